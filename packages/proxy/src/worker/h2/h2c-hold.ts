import type { IncomingHttpHeaders, ServerHttp2Stream } from "node:http2";
import type { CompiledRoute } from "../../shared/route-table.ts";
import type { FrontState } from "../front-state.ts";
import type { HeldRequest } from "../wake-holds.ts";
import { admitH2c } from "./h2c-admission.ts";
import { forwardH2c } from "./h2c-forward.ts";
import { StreamBridge } from "./stream-bridge.ts";

/**
 * A stream on a sleeping h2c route waits, as an HTTP/1.1 request on a sleeping route does, while
 * the main thread wakes the route (one ask per route, wake-holds.ts), then is admitted again: to
 * the woken replicas as HTTP/2, or through the engine if the route now answers it itself. Its body
 * stays in the stream meanwhile (HTTP/2 flow control bounds it). A route that does not wake within
 * the wake timeout gets a 503 with Retry-After, which gRPC clients read as UNAVAILABLE.
 */
export function holdH2c(
  state: FrontState,
  route: CompiledRoute,
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  clientIp: string,
): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stopWaiting = () => {
    clearTimeout(timer);
    state.wakes.release(route.id, held);
    stream.off("close", stopWaiting);
  };
  const held: HeldRequest = {
    resumeHeld(woken) {
      stopWaiting();
      if (stream.destroyed) return;
      const next = woken ? admitH2c(state.table, state.draining, headers) : null;
      if (next?.kind === "forward") forwardH2c(state, next.route, next.path, stream, headers, clientIp);
      else if (next?.kind === "engine") new StreamBridge(state, stream, headers, clientIp);
      else notAwake(stream, route.host);
    },
  };
  if (!state.wakes.hold(route.id, held)) {
    notAwake(stream, route.host);
    return;
  }
  stream.once("close", stopWaiting);
  timer = setTimeout(() => held.resumeHeld(false), state.wakeTimeoutMs);
}

function notAwake(stream: ServerHttp2Stream, host: string): void {
  if (stream.destroyed || stream.headersSent) return;
  stream.respond({ ":status": 503, "retry-after": "5", "content-type": "text/plain; charset=utf-8" });
  stream.end(`the app for ${host} was asleep and is not awake yet: retry in a few seconds\n`);
}
