/**
 * The part of analytics a proxy worker runs: pure, no store, no salts, no SQLite or ClickHouse
 * client, so importing it (`@pier/analytics/edge`) keeps a worker thread small. Everything here is
 * also exported from the package index.
 */
export { acceptBeacon, type BeaconVerdict, EVENT_PATH } from "./http/accept-beacon.ts";
export type { RawBeacon } from "./http/worker-beacon.ts";
export { countryFromHeaders } from "./ingest/enrich.ts";
export { MAX_EVENT_BYTES } from "./ingest/payload.ts";
export { injectTrackerTag, shouldInject, TRACKER_TAG } from "./tracker/inject.ts";
