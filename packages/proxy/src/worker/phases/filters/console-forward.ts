import type { UpstreamTarget } from "../../../shared/route-table.ts";
import type { ProxySession } from "../session.ts";

export const PIER_PREFIX = "/_pier/";

/**
 * `/_pier/` paths on a routed host (the tracker script, beacons the worker does not take, status
 * pages) go to pier's console port, not to the app, with the host and app the route resolved to
 * and the workers' edge secret: the console believes those headers only with the secret, and the
 * front strips any copy of the three a client sent.
 */
export function forwardToConsole(s: ProxySession): boolean {
  const internal = s.state.internal;
  if (internal === null || !s.request.target.startsWith(PIER_PREFIX)) return false;
  return sendToConsole(s, internal);
}

function sendToConsole(s: ProxySession, internal: UpstreamTarget): boolean {
  const appId = s.route!.appId;
  let extra = `x-pier-host: ${s.host}\r\n`;
  if (appId !== null) extra += `x-pier-app: ${appId}\r\n`;
  s.forward(s.request.target, internal, extra + s.state.edgeLine);
  return true;
}
