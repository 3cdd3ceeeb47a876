import { badGatewayPage } from "../../pages.ts";
import { hasBody, type ProxySession } from "../session.ts";

/**
 * A route whose upstreams speak HTTP/2 only (`upstreamProtocol: "h2c"`, gRPC) is forwarded from
 * HTTP/2 streams (worker/h2/h2c-forward.ts); the HTTP/1.1 engine cannot speak to it, so an
 * HTTP/1.1 client gets a 502 that says why instead of a broken exchange.
 */
export function refuseHttp1OnH2cRoute(s: ProxySession): boolean {
  if (!s.route!.h2c) return false;
  return answerHttp2Only(s);
}

function answerHttp2Only(s: ProxySession): boolean {
  s.respond(
    badGatewayPage(
      s.host,
      "this route's upstream speaks HTTP/2 only (upstreamProtocol h2c): connect with HTTP/2 over HTTPS",
      s.requestId,
    ),
    hasBody(s.request),
    true,
  );
  return true;
}
