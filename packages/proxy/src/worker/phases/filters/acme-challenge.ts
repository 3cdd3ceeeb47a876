import { acmeAnswer, notFoundPage } from "../../pages.ts";
import { hasBody, type ProxySession } from "../session.ts";

export const ACME_PREFIX = "/.well-known/acme-challenge/";

/**
 * ACME HTTP-01: the CA fetches the token over plain HTTP, for a host that may have no route yet
 * (the certificate is being issued for it), so this runs before the route lookup. Unknown tokens
 * get a 404 here instead of reaching an app. Not recorded: these are pier's own requests.
 */
export function answerAcmeChallenge(s: ProxySession): boolean {
  if (s.tls || !s.request.target.startsWith(ACME_PREFIX)) return false;
  return answerToken(s);
}

function answerToken(s: ProxySession): boolean {
  const path = s.request.target;
  const q = path.indexOf("?");
  const answer = s.state.acme.get(path.slice(ACME_PREFIX.length, q === -1 ? path.length : q));
  s.respond(
    answer !== undefined
      ? acmeAnswer(answer)
      : notFoundPage("No ACME challenge is pending for this token.", s.requestId),
    hasBody(s.request),
    false,
  );
  return true;
}
