import type { CompiledRoute, UpstreamTarget } from "../../shared/route-table.ts";
import type { FrontState } from "../front-state.ts";
import type { LocalResponse } from "../pages.ts";
import type { RequestHead } from "../request-head.ts";

/**
 * What the request phases see of one exchange and how they end it, in the spirit of Pingora's
 * `Session`. The front connection implements it itself, so handing it to a phase allocates
 * nothing; tests hand in a recording stand-in (src/testing/fake-session.ts).
 */
export interface ProxySession {
  readonly state: FrontState;
  /** The client came over HTTPS. */
  readonly tls: boolean;
  readonly request: RequestHead;
  /** The Host header without port, lower-cased (see normalizeHost). */
  readonly host: string;
  /** Null until the route filter found the host's route; filters after it may rely on it. */
  route: CompiledRoute | null;
  /** The id pages and logs show: the client's X-Request-Id, else the one generated for upstream. */
  readonly requestId: string;
  /**
   * Answers from the proxy itself. `closeForBody`: a request body that will not be read forces
   * the connection closed after the answer. `record`: the answer counts as a request record.
   */
  respond(res: LocalResponse, closeForBody: boolean, record: boolean): void;
  /**
   * Sends the request upstream with `path` as its target: to `pinned` when given (one attempt, no
   * health bookkeeping), else to the route's replicas. `extra` is header lines to add, each ending
   * in CRLF.
   */
  forward(path: string, pinned: UpstreamTarget | null, extra: string): void;
  /** Reads a body of `contentLength` bytes and answers it as an analytics beacon. */
  readBeacon(contentLength: number): void;
  /**
   * Holds the request while its sleeping route wakes (the main thread is asked once per route),
   * then sends it to the woken release, or answers 503 with Retry-After when it does not wake in time.
   */
  hold(): void;
}

export function hasBody(h: RequestHead): boolean {
  return h.contentLength > 0 || h.chunked;
}
