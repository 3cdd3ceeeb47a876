import { createEgressFetch, type EgressFetch, type EgressPolicy, resolveAllowed } from "@pier/egress";
import { describeNetworkError } from "../evaluate.ts";
import type { Checkers } from "../service.ts";
import { runHttpCheck } from "./http-check.ts";
import { type OwnProxy, ownProxyTarget } from "./own-hosts.ts";
import { runTcpCheck } from "./tcp-check.ts";
import { fetchCertificateExpiry } from "./tls-expiry.ts";

/** This pier's proxy and the hosts it routes, for monitors of its own apps (own-hosts.ts). */
export interface OwnApps {
  proxy: OwnProxy;
  routedHosts(): Promise<ReadonlySet<string>>;
}

/**
 * The checks as `pier serve` runs them: every target goes through the egress policy on the
 * address actually dialled, so a monitor can neither read pier's own services (a keyword check as
 * an oracle) nor scan its ports (TCP checks). URLs of the apps this pier routes (`own`) are
 * checked through its own proxy instead: the policy refuses this machine's addresses, which is
 * where their names point.
 */
export function egressCheckers(
  egress: { policy: EgressPolicy; fetch: EgressFetch },
  own?: OwnApps,
): Checkers {
  const ownTarget = async (url: URL) =>
    own ? ownProxyTarget(url, await own.routedHosts(), own.proxy) : null;
  const httpFetch = own ? createEgressFetch(egress.policy, undefined, ownTarget) : egress.fetch;
  return {
    http: (target) => runHttpCheck(target, httpFetch),
    async tcp(host, port, timeoutMs) {
      let address: string;
      try {
        address = await resolveAllowed(host, egress.policy);
      } catch (error) {
        return { ok: false, latencyMs: 0, error: describeNetworkError(error, timeoutMs) };
      }
      return runTcpCheck(address, port, timeoutMs);
    },
    async tlsExpiry(host, port, timeoutMs) {
      const mine = await ownTarget(new URL(`https://${host.includes(":") ? `[${host}]` : host}:${port}/`));
      if (mine) return fetchCertificateExpiry(host, mine.port, timeoutMs, mine.address);
      return fetchCertificateExpiry(host, port, timeoutMs, await resolveAllowed(host, egress.policy));
    },
  };
}
