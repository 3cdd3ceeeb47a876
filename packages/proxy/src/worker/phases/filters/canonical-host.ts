import { redirect } from "../../pages.ts";
import { hasBody, type ProxySession } from "../session.ts";
import { portSuffix } from "./public-port.ts";

/** Routes with a `canonicalHost` send every other host they match there (308), scheme and path kept. */
export function redirectToCanonicalHost(s: ProxySession): boolean {
  const canonical = s.route!.canonicalHost;
  if (canonical === null || canonical === s.host) return false;
  return sendToCanonicalHost(s, canonical);
}

function sendToCanonicalHost(s: ProxySession, canonical: string): boolean {
  const proto = s.tls ? "https" : "http";
  s.respond(
    redirect(`${proto}://${canonical}${portSuffix(s.state, s.tls)}${s.request.target}`),
    hasBody(s.request),
    true,
  );
  return true;
}
