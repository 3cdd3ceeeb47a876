import type { CompiledRoute } from "../../../shared/route-table.ts";
import { payloadTooLargePage } from "../../pages.ts";
import type { ProxySession } from "../session.ts";

/** Whether `bytes` of request body are more than the route accepts; the front asks again as chunked bodies stream. */
export function overBodyLimit(route: CompiledRoute, bytes: number): boolean {
  return bytes > route.maxBodyBytes;
}

/** A declared Content-Length over the route's limit is refused before any byte is read or sent upstream. */
export function limitBodySize(s: ProxySession): boolean {
  const route = s.route!;
  if (!overBodyLimit(route, s.request.contentLength)) return false;
  return answerTooLarge(s, route);
}

function answerTooLarge(s: ProxySession, route: CompiledRoute): boolean {
  s.respond(payloadTooLargePage(route.maxBodyBytes, s.requestId), true, true);
  return true;
}
