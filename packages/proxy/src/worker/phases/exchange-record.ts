import type { CompiledRoute } from "../../shared/route-table.ts";
import type { FrontState } from "../front-state.ts";

/**
 * Pingora's `logging` phase: one request record per exchange the proxy answered, upstream or
 * itself. Positional into the worker's record packer, so no record object exists per request;
 * `started` is performance.now() at the request's arrival.
 */
export function recordExchange(
  state: FrontState,
  host: string,
  route: CompiledRoute | null,
  status: number,
  started: number,
  bytesIn: number,
  bytesOut: number,
  upstream: string | null,
): void {
  state.record(
    host,
    route === null ? null : route.id,
    route === null ? null : route.appId,
    status,
    started,
    performance.now() - started,
    bytesIn,
    bytesOut,
    upstream,
  );
}
