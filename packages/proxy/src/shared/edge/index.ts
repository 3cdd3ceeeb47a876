/**
 * The `/_pier/` edge protocol (`@pier/proxy/edge`): what a beacon body may hold and how it is
 * checked, the raw beacon record, the country header, and the tracker tag. The proxy owns it
 * because its workers speak it; analytics consumes the accepted `RawBeacon` batches. Pure, with no
 * store, salts, SQLite or ClickHouse client, so a worker thread that imports it stays small.
 */
export { acceptBeacon, type BeaconVerdict, EVENT_PATH } from "./accept-beacon.ts";
export { countryFromHeaders } from "./country-header.ts";
export { EDGE_SECRET_HEADER } from "./edge-secret.ts";
export { type EventPayload, InvalidEventError, MAX_EVENT_BYTES, parseEventPayload } from "./event-payload.ts";
export type { RawBeacon } from "./raw-beacon.ts";
export { injectTrackerTag, shouldInject, TRACKER_INJECT_HEADER, TRACKER_TAG } from "./tracker-tag.ts";
