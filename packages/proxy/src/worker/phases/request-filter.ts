import { answerAcmeChallenge } from "./filters/acme-challenge.ts";
import { takeBeacon } from "./filters/beacon-ingest.ts";
import { limitBodySize } from "./filters/body-limit.ts";
import { redirectToCanonicalHost } from "./filters/canonical-host.ts";
import { forwardToConsole } from "./filters/console-forward.ts";
import { refuseHttp1OnH2cRoute } from "./filters/h2c-route.ts";
import { redirectToHttps } from "./filters/https-redirect.ts";
import { answerMaintenance } from "./filters/maintenance.ts";
import { refuseNonPathTarget } from "./filters/request-target.ts";
import { lookUpRoute } from "./filters/route-lookup.ts";
import { holdOnSleepingRoute } from "./filters/sleeping-route.ts";
import type { ProxySession } from "./session.ts";

/**
 * A request filter looks at a parsed request head and either ends the exchange itself (answers it
 * through `s.respond`, sends it somewhere else with `s.forward`, or takes its body with
 * `s.readBeacon`) and returns true, or returns false to let the request go on. Pingora's
 * `request_filter`, split into one small function per concern.
 * Every request passes through every filter before the one that takes it, so a filter is a cheap
 * check that returns false, calling a separate function for its real work only when it applies: a
 * check that small is inlined by the JIT into the chain, where a filter with its answer written
 * inline was not and cost every exchange a call (docs/performance.md, Proxy notes).
 */
export type RequestFilter = (s: ProxySession) => boolean;

/** The chain in order. Filters after lookUpRoute may assume `s.route` is set. */
export const REQUEST_FILTERS: readonly RequestFilter[] = [
  refuseNonPathTarget,
  answerAcmeChallenge,
  lookUpRoute,
  redirectToHttps,
  redirectToCanonicalHost,
  takeBeacon,
  forwardToConsole,
  answerMaintenance,
  limitBodySize,
  holdOnSleepingRoute,
  refuseHttp1OnH2cRoute,
];

/**
 * Runs REQUEST_FILTERS in order and says whether one of them ended the exchange; false sends the
 * request to the route's replicas. Written out call by call rather than as a loop over the list:
 * every call site then sees one function, which the JIT inlines, where a loop's single call site
 * would see ten (request-filter.test.ts checks that the two agree).
 */
export function requestFilter(s: ProxySession): boolean {
  return (
    refuseNonPathTarget(s) ||
    answerAcmeChallenge(s) ||
    lookUpRoute(s) ||
    redirectToHttps(s) ||
    redirectToCanonicalHost(s) ||
    takeBeacon(s) ||
    forwardToConsole(s) ||
    answerMaintenance(s) ||
    limitBodySize(s) ||
    holdOnSleepingRoute(s) ||
    refuseHttp1OnH2cRoute(s)
  );
}
