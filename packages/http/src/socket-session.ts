import type { ServerWebSocket, WebSocketHandler } from "bun";
import { watchAuthorization } from "./authorization-watch.ts";

/**
 * A WebSocket of the console: the handler that upgraded the request hands its own session as the
 * socket's data, and the console's one `websocket` handler (Bun.serve has one per server) passes
 * every event to it. So a route upgrades with `server.upgrade(request, { data: session })` and
 * nothing else needs to know it exists.
 */
export interface SocketSession {
  open?(ws: ServerWebSocket<SocketSession>): void;
  message(ws: ServerWebSocket<SocketSession>, data: string | Buffer): void;
  close?(ws: ServerWebSocket<SocketSession>, code: number, reason: string): void;
  drain?(ws: ServerWebSocket<SocketSession>): void;
  /** The principal's: the socket is closed (1008) once its token or session is no longer good. */
  stillValid?: () => Promise<boolean>;
}

const watches = new WeakMap<ServerWebSocket<SocketSession>, () => void>();

export const socketSessions: WebSocketHandler<SocketSession> = {
  open: (ws) => {
    watches.set(
      ws,
      watchAuthorization(ws.data.stillValid, () =>
        ws.close(1008, "The token or session that opened this ended; log in again."),
      ),
    );
    ws.data.open?.(ws);
  },
  message: (ws, data) => ws.data.message(ws, data),
  close: (ws, code, reason) => {
    watches.get(ws)?.();
    ws.data.close?.(ws, code, reason);
  },
  drain: (ws) => ws.data.drain?.(ws),
};
