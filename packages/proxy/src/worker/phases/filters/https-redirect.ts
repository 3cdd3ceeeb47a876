import { redirect } from "../../pages.ts";
import { hasBody, type ProxySession } from "../session.ts";
import { portSuffix } from "./public-port.ts";

/** Routes with `redirectHttps` send plain-HTTP requests to the same host and path over HTTPS (308). */
export function redirectToHttps(s: ProxySession): boolean {
  if (s.tls || !s.route!.redirectHttps) return false;
  return sendToHttps(s);
}

function sendToHttps(s: ProxySession): boolean {
  s.respond(
    redirect(`https://${s.host}${portSuffix(s.state, true)}${s.request.target}`),
    hasBody(s.request),
    true,
  );
  return true;
}
