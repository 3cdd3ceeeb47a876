import type { ServerWebSocket, WebSocketHandler } from "bun";
import { buildForwardHeaders, type ForwardContext } from "./forwardHeaders.ts";
import type { UpstreamTarget } from "./routeTable.ts";

/** Per client socket: where to connect and what arrived before the upstream socket opened. */
export interface WebSocketData {
  target: UpstreamTarget;
  path: string;
  ctx: ForwardContext;
  headers: Headers;
  upstream: WebSocket | null;
  queue: (string | Uint8Array<ArrayBuffer>)[];
}

type Client = ServerWebSocket<WebSocketData>;

/** Close codes that may not be sent on the wire; they only report local conditions. */
function sendableCode(code: number): number {
  return code === 1005 || code === 1006 || code === 1015 ? 1011 : code;
}

/** Relays frames both ways between the client and one upstream replica. */
export const websocketProxy: WebSocketHandler<WebSocketData> = {
  open(ws: Client) {
    const d = ws.data;
    const headers = buildForwardHeaders(d.headers, d.ctx);
    for (const h of [
      "sec-websocket-key",
      "sec-websocket-version",
      "sec-websocket-extensions",
      "sec-websocket-protocol",
    ]) {
      headers.delete(h);
    }
    const protocol = d.headers.get("sec-websocket-protocol");
    const url = `ws://${d.target.origin.slice("http://".length)}${d.path}`;
    const upstream = new WebSocket(url, {
      headers,
      protocols: protocol ? protocol.split(",").map((p) => p.trim()) : undefined,
    } as unknown as string[]);
    upstream.binaryType = "arraybuffer";
    d.upstream = upstream;
    upstream.onopen = () => {
      for (const m of d.queue) upstream.send(m);
      d.queue.length = 0;
    };
    upstream.onmessage = (e) => {
      ws.send(e.data as string | ArrayBuffer);
    };
    upstream.onclose = (e) => {
      ws.close(sendableCode(e.code), e.reason);
    };
    upstream.onerror = () => {
      ws.close(1011, "upstream WebSocket failed");
    };
  },
  message(ws: Client, raw: string | Buffer) {
    const message = raw as string | Uint8Array<ArrayBuffer>;
    const upstream = ws.data.upstream;
    if (upstream !== null && upstream.readyState === WebSocket.OPEN) upstream.send(message);
    else ws.data.queue.push(message);
  },
  close(ws: Client, code: number, reason: string) {
    const upstream = ws.data.upstream;
    if (upstream !== null && upstream.readyState <= WebSocket.OPEN)
      upstream.close(sendableCode(code), reason);
  },
};
