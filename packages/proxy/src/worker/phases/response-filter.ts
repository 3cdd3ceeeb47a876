import type { CompiledRoute } from "../../shared/route-table.ts";
import type { ResponseHead } from "../response-parser.ts";
import { wantsInjection } from "./tracker-inject.ts";

export { injectedResponse } from "./tracker-inject.ts";

/** How an answer's head goes to the client. */
export enum ResponseWrite {
  /** Byte for byte, in one write with the body bytes that came with it. */
  Verbatim = 0,
  /** Rewritten: hop-by-hop headers dropped, Connection: close or de-chunking added. */
  RewrittenHead = 1,
  /** Held back with the whole body, which then gets the tracker tag (tracker-inject.ts). */
  Injected = 2,
}

/**
 * Pingora's `response_filter`: decides, once per answer, what the proxy changes about it. The
 * common answer passes untouched, so its head costs no copy. `lengthFramed`: the body is framed
 * by Content-Length (injection needs to know where it ends before it starts buffering).
 */
export function responseFilter(
  route: CompiledRoute,
  pinned: boolean,
  method: string,
  lengthFramed: boolean,
  head: ResponseHead,
  closeClient: boolean,
  dechunk: boolean,
): ResponseWrite {
  if (route.injectTracker && !pinned && method === "GET" && lengthFramed && wantsInjection(head))
    return ResponseWrite.Injected;
  if (head.needsRewrite || closeClient || dechunk) return ResponseWrite.RewrittenHead;
  return ResponseWrite.Verbatim;
}
