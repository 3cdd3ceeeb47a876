export {
  acceptBeacon,
  type BeaconVerdict,
  countryFromHeaders,
  type EventPayload,
  InvalidEventError,
  injectTrackerTag,
  MAX_EVENT_BYTES,
  parseEventPayload,
  type RawBeacon,
  shouldInject,
  TRACKER_TAG,
} from "@pier/proxy/edge";
export { beaconHandler, EVENT_PATH, SCRIPT_PATH, siteOf } from "./http/ingest-routes.ts";
export { type QueryRoutesDeps, queryRoutes, type ResolvedSite } from "./http/query-routes.ts";
export { type ReadBeaconResult, readBeacon } from "./http/worker-beacon.ts";
export { enrichBeacon } from "./ingest/enrich.ts";
export type { EventRecord, IngestRecord, SessionFacts, VitalsRecord } from "./ingest/records.ts";
export { classifySource } from "./ingest/referrer.ts";
export { isBot, parseUserAgent } from "./ingest/user-agent.ts";
export { pgMigrations, sqliteMigrations } from "./migrations.gen.ts";
export { analyticsModule } from "./module.ts";
export { computeFunnel } from "./query/funnel.ts";
export { parseQueryParams } from "./query/params.ts";
export {
  mergeRequestMinutes,
  type RequestMinute,
  type RequestSummary,
  requestWeightedMean,
  summarizeRequestMetrics,
} from "./query/request-metrics.ts";
export type * from "./query/types.ts";
export { Analytics, type AnalyticsOptions, type IngestStats } from "./service.ts";
export { defaultSiteSettings, type SiteSettings, SiteSettingsStore } from "./settings/settings-store.ts";
export { ClickHouseAnalyticsStore, ClickHouseUnavailableError } from "./store/clickhouse-store.ts";
export { SqliteAnalyticsStore } from "./store/sqlite-store.ts";
export { trackerScript } from "./tracker/tracker.ts";
