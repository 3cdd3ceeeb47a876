import { findRoute } from "../../../shared/route-table.ts";
import { unknownHostPage } from "../../pages.ts";
import { hasBody, type ProxySession } from "../session.ts";

/** Sets the session's route (host, then longest path prefix); a host no route claims gets a 404 page. */
export function lookUpRoute(s: ProxySession): boolean {
  const route = findRoute(s.state.table, s.host, s.request.target);
  if (route !== null) {
    s.route = route;
    return false;
  }
  return answerUnknownHost(s);
}

function answerUnknownHost(s: ProxySession): boolean {
  s.respond(unknownHostPage(s.host, s.requestId), hasBody(s.request), true);
  return true;
}
