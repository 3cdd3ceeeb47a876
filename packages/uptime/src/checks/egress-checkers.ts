import { type EgressFetch, type EgressPolicy, resolveAllowed } from "@pier/egress";
import { describeNetworkError } from "../evaluate.ts";
import type { Checkers } from "../service.ts";
import { runHttpCheck } from "./http-check.ts";
import { runTcpCheck } from "./tcp-check.ts";
import { fetchCertificateExpiry } from "./tls-expiry.ts";

/**
 * The checks as `pier serve` runs them: every target goes through the egress policy on the
 * address actually dialled, so a monitor can neither read pier's own services (a keyword check as
 * an oracle) nor scan its ports (TCP checks).
 */
export function egressCheckers(egress: { policy: EgressPolicy; fetch: EgressFetch }): Checkers {
  return {
    http: (target) => runHttpCheck(target, egress.fetch),
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
      return fetchCertificateExpiry(host, port, timeoutMs, await resolveAllowed(host, egress.policy));
    },
  };
}
