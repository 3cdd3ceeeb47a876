import { badRequestPage } from "../../pages.ts";
import type { ProxySession } from "../session.ts";

/**
 * Only origin-form targets ("/path?query") are routed. An absolute-form or asterisk target would
 * make every later path check (ACME, /_pier/, prefixes) read the wrong thing, so it is refused
 * first, unrecorded, and the connection closed.
 */
export function refuseNonPathTarget(s: ProxySession): boolean {
  if (s.request.target.charCodeAt(0) === 47 /* / */) return false;
  return answerBadTarget(s);
}

function answerBadTarget(s: ProxySession): boolean {
  s.respond(badRequestPage(400, "request target must be a path"), true, false);
  return true;
}
