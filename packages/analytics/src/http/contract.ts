import { defineRoutes } from "@pier/http/contract";
import { z } from "zod";
import { ingestStatsSchema } from "../ingest/ingest-stats.ts";
import { rangeQuerySchema } from "../query/range-query.ts";
import {
  breakdownRowSchema,
  customEventRowSchema,
  dimensions,
  filtersSchema,
  funnelResultSchema,
  funnelStepsSchema,
  overviewSchema,
  propRowSchema,
  realtimeSchema,
  requestSummarySchema,
  seriesPointSchema,
  vitalsSummarySchema,
} from "../query/types.ts";
import { siteSettingsBodySchema, siteSettingsSchema } from "../settings/site-settings.ts";

// `:site` is an app name (its events are stored under the app id) or the host of a route without
// an app. Times are epoch milliseconds.

const interval = z.enum(["hour", "day"]);
const range = z.object({ from: z.number(), to: z.number() });

export const funnelBody = z.strictObject({
  steps: funnelStepsSchema,
  from: z.number().int().optional(),
  to: z.number().int().optional(),
  period: z.string().optional(),
  filters: filtersSchema.optional(),
});

const breakdownParams = z.object({
  site: z.string(),
  dimension: z.enum(dimensions, { error: `dimension must be one of ${dimensions.join(", ")}` }),
});

const settingsAnswer = z.object({ settings: siteSettingsSchema });

/** `/api/v1/analytics`: the visits, pageviews, events and Web Vitals the tracker sends, per site. */
export const analyticsRoutes = defineRoutes({
  analyticsStatus: {
    method: "GET",
    path: "/api/v1/analytics",
    tag: "analytics",
    access: "read",
    summary: "The event store in use and the beacons counted since start",
    response: z.object({ store: z.enum(["sqlite", "clickhouse"]), ingest: ingestStatsSchema }),
  },
  analyticsOverview: {
    method: "GET",
    path: "/api/v1/analytics/:site/overview",
    tag: "analytics",
    access: "read",
    summary: "Visitors, visits, pageviews, bounce rate and visit duration over a range",
    query: rangeQuerySchema,
    response: z.object({ overview: overviewSchema, range }),
  },
  analyticsTimeseries: {
    method: "GET",
    path: "/api/v1/analytics/:site/timeseries",
    tag: "analytics",
    access: "read",
    summary: "The overview per hour or day (empty buckets included)",
    query: rangeQuerySchema,
    response: z.object({ interval, points: z.array(seriesPointSchema) }),
  },
  analyticsBreakdown: {
    method: "GET",
    path: "/api/v1/analytics/:site/breakdown/:dimension",
    tag: "analytics",
    access: "read",
    summary: "Top values of a dimension (pages, entry and exit pages, sources, UTM, browsers, countries…)",
    params: breakdownParams,
    query: rangeQuerySchema,
    response: z.object({ dimension: z.enum(dimensions), rows: z.array(breakdownRowSchema) }),
  },
  analyticsEvents: {
    method: "GET",
    path: "/api/v1/analytics/:site/events",
    tag: "analytics",
    access: "read",
    summary: "Custom events with their visitors and counts",
    query: rangeQuerySchema,
    response: z.object({ events: z.array(customEventRowSchema) }),
  },
  analyticsEventProps: {
    method: "GET",
    path: "/api/v1/analytics/:site/events/:name/props",
    tag: "analytics",
    access: "read",
    summary: "The property values sent with one custom event",
    query: rangeQuerySchema,
    response: z.object({ props: z.array(propRowSchema) }),
  },
  analyticsVitals: {
    method: "GET",
    path: "/api/v1/analytics/:site/vitals",
    tag: "analytics",
    access: "read",
    summary: "Web Vitals percentiles (LCP, CLS, INP, TTFB)",
    query: rangeQuerySchema,
    response: z.object({ vitals: vitalsSummarySchema }),
  },
  analyticsRealtime: {
    method: "GET",
    path: "/api/v1/analytics/:site/realtime",
    tag: "analytics",
    access: "read",
    summary: "Visitors, pageviews and top pages of the last five minutes",
    response: z.object({ realtime: realtimeSchema }),
  },
  analyticsRequests: {
    method: "GET",
    path: "/api/v1/analytics/:site/requests",
    tag: "analytics",
    access: "read",
    summary: "Requests through the proxy: rate, status classes, latency and bytes (app id, or static routes)",
    query: rangeQuerySchema,
    response: z.object({ requests: requestSummarySchema }),
  },
  analyticsDashboard: {
    method: "GET",
    path: "/api/v1/analytics/:site/dashboard",
    tag: "analytics",
    access: "read",
    summary: "Everything the dashboard's first screen shows, in one answer",
    query: rangeQuerySchema,
    response: z.object({
      site: z.string(),
      range: range.extend({ interval }),
      overview: overviewSchema,
      timeseries: z.array(seriesPointSchema),
      pages: z.array(breakdownRowSchema),
      sources: z.array(breakdownRowSchema),
      countries: z.array(breakdownRowSchema),
      devices: z.array(breakdownRowSchema),
      events: z.array(customEventRowSchema),
      vitals: vitalsSummarySchema,
      realtime: realtimeSchema,
      requests: requestSummarySchema,
    }),
  },
  analyticsFunnel: {
    method: "POST",
    path: "/api/v1/analytics/:site/funnel",
    tag: "analytics",
    access: "read",
    summary: "Visits reaching each of 2 to 8 ordered steps (pages or events) within a visit",
    body: funnelBody,
    response: z.object({ funnel: funnelResultSchema }),
  },
  analyticsGetSettings: {
    method: "GET",
    path: "/api/v1/analytics/:site/settings",
    tag: "analytics",
    access: "read",
    summary: "A site's Do-Not-Track, tracker auto-injection and excluded paths",
    response: settingsAnswer,
  },
  analyticsUpdateSettings: {
    method: "PUT",
    path: "/api/v1/analytics/:site/settings",
    tag: "analytics",
    access: "write",
    summary: "Set a site's Do-Not-Track, tracker auto-injection and excluded paths (left out: kept)",
    body: siteSettingsBodySchema,
    response: settingsAnswer,
  },
});
