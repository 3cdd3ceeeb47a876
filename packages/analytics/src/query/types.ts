import { z } from "zod";

/** Per-visit dimensions (fixed when the visit starts) plus `page` (any pageview of the visit). */
export const sessionDimensions = [
  "entry",
  "exit",
  "source",
  "referrer",
  "channel",
  "utm_source",
  "utm_medium",
  "utm_campaign",
  "browser",
  "os",
  "device",
  "country",
] as const;
export const dimensions = ["page", ...sessionDimensions] as const;
export type Dimension = (typeof dimensions)[number];
export type SessionDimension = (typeof sessionDimensions)[number];

export const filtersSchema = z.partialRecord(z.enum(dimensions), z.string().max(500));
export type Filters = z.infer<typeof filtersSchema>;

/** Every query is for one site and a half-open time range [from, to) in epoch milliseconds. */
export interface AnalyticsQuery {
  site: string;
  from: number;
  to: number;
  filters: Filters;
}

export const overviewSchema = z.object({
  visitors: z.number(),
  visits: z.number(),
  pageviews: z.number(),
  viewsPerVisit: z.number(),
  /** Share of visits with a single pageview or event, 0..1. */
  bounceRate: z.number(),
  /** Mean visit duration (first to last event) in milliseconds. */
  visitDurationMs: z.number(),
});
export type Overview = z.infer<typeof overviewSchema>;

export const seriesPointSchema = overviewSchema.extend({
  /** Bucket start, epoch ms (UTC hour or day). */
  t: z.number(),
});
export type SeriesPoint = z.infer<typeof seriesPointSchema>;

export const breakdownRowSchema = z.object({
  value: z.string(),
  visitors: z.number(),
  visits: z.number(),
  pageviews: z.number(),
});
export type BreakdownRow = z.infer<typeof breakdownRowSchema>;

export const customEventRowSchema = z.object({ name: z.string(), visitors: z.number(), events: z.number() });
export type CustomEventRow = z.infer<typeof customEventRowSchema>;

export const propRowSchema = z.object({ prop: z.string(), value: z.string(), events: z.number() });
export type PropRow = z.infer<typeof propRowSchema>;

export const percentilesSchema = z.object({
  samples: z.number(),
  p50: z.number().nullable(),
  p75: z.number().nullable(),
  p95: z.number().nullable(),
});
export type Percentiles = z.infer<typeof percentilesSchema>;
export const vitalMetrics = ["lcp", "cls", "inp", "ttfb"] as const;
export type VitalMetric = (typeof vitalMetrics)[number];
/** Vitals are bucketed to whole ms (CLS to thousandths) in every store, so percentiles agree. */
export const vitalScale: Record<VitalMetric, number> = { lcp: 1, inp: 1, ttfb: 1, cls: 1000 };
/**
 * The thresholds of the Web Vitals ratings (web.dev/articles/vitals): a value up to `good` is
 * good, one above `poor` is poor, in between it needs improvement. Milliseconds; CLS is unitless.
 */
export const vitalThresholds: Record<VitalMetric, { good: number; poor: number }> = {
  lcp: { good: 2500, poor: 4000 },
  inp: { good: 200, poor: 500 },
  cls: { good: 0.1, poor: 0.25 },
  ttfb: { good: 800, poor: 1800 },
};
/** Shares of the samples per rating, 0..1 (all 0 without samples). */
export const vitalRatingsSchema = z.object({
  good: z.number(),
  needsImprovement: z.number(),
  poor: z.number(),
});
export type VitalRatings = z.infer<typeof vitalRatingsSchema>;
export const vitalStatsSchema = percentilesSchema.extend({ ratings: vitalRatingsSchema });
export type VitalStats = z.infer<typeof vitalStatsSchema>;
/** Milliseconds; CLS is unitless. */
export const vitalsSummarySchema = z.object({
  lcp: vitalStatsSchema,
  cls: vitalStatsSchema,
  inp: vitalStatsSchema,
  ttfb: vitalStatsSchema,
});
export type VitalsSummary = z.infer<typeof vitalsSummarySchema>;

/** The last five minutes. */
export const realtimeSchema = z.object({
  visitors: z.number(),
  pageviews: z.number(),
  pages: z.array(z.object({ path: z.string(), visitors: z.number() })),
});
export type Realtime = z.infer<typeof realtimeSchema>;

export const funnelStepSchema = z.union([
  z.strictObject({ page: z.string().min(1).max(500) }),
  z.strictObject({ event: z.string().min(1).max(120) }),
]);
export type FunnelStep = z.infer<typeof funnelStepSchema>;
export const funnelStepsSchema = z.array(funnelStepSchema).min(2).max(8);

export const funnelResultSchema = z.object({
  steps: z.array(
    z.object({
      step: funnelStepSchema,
      visits: z.number(),
      /** Relative to the first step, 0..1. */
      conversionRate: z.number(),
      /** Relative to the step before, 0..1. */
      fromPreviousRate: z.number(),
    }),
  ),
});
export type FunnelResult = z.infer<typeof funnelResultSchema>;

/** The proxy's per-minute request metrics of a site over a range (see request-metrics.ts). */
export const requestSummarySchema = z.object({
  requests: z.number(),
  ratePerMinute: z.number(),
  status: z.object({ "2xx": z.number(), "3xx": z.number(), "4xx": z.number(), "5xx": z.number() }),
  /** Request-weighted means of the per-flush percentiles: an approximation, exact only per flush. */
  latencyMs: z.object({ p50: z.number(), p95: z.number(), p99: z.number() }),
  bytesIn: z.number(),
  bytesOut: z.number(),
  series: z.array(
    z.object({ t: z.number(), requests: z.number(), errors5xx: z.number(), p95Ms: z.number() }),
  ),
});
export type RequestSummary = z.infer<typeof requestSummarySchema>;

/** Raw sums a store hands back; ratios are derived in one place so both stores agree. */
export interface OverviewSums {
  visitors: number;
  visits: number;
  pageviews: number;
  bounces: number;
  durationMs: number;
}

export function overviewFromSums(s: OverviewSums): Overview {
  return {
    visitors: s.visitors,
    visits: s.visits,
    pageviews: s.pageviews,
    viewsPerVisit: s.visits ? round(s.pageviews / s.visits, 2) : 0,
    bounceRate: s.visits ? round(s.bounces / s.visits, 4) : 0,
    visitDurationMs: s.visits ? Math.round(s.durationMs / s.visits) : 0,
  };
}

/** A store's sums row (numbers or numeric strings, missing when nothing matched) as numbers. */
export function sumsOf(r: Partial<Record<keyof OverviewSums, unknown>>): OverviewSums {
  return {
    visitors: Number(r.visitors ?? 0),
    visits: Number(r.visits ?? 0),
    pageviews: Number(r.pageviews ?? 0),
    bounces: Number(r.bounces ?? 0),
    durationMs: Number(r.durationMs ?? 0),
  };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** The store a query runs against: SQLite by default, ClickHouse when configured. */
export interface AnalyticsStore {
  readonly kind: "sqlite" | "clickhouse";
  write(batch: import("../ingest/records.ts").IngestRecord[]): Promise<void>;
  overview(q: AnalyticsQuery): Promise<Overview>;
  timeseries(q: AnalyticsQuery, interval: "hour" | "day"): Promise<SeriesPoint[]>;
  breakdown(q: AnalyticsQuery, dimension: Dimension, limit: number): Promise<BreakdownRow[]>;
  customEvents(q: AnalyticsQuery, limit: number): Promise<CustomEventRow[]>;
  eventProps(q: AnalyticsQuery, name: string, limit: number): Promise<PropRow[]>;
  vitals(q: AnalyticsQuery): Promise<VitalsSummary>;
  realtime(site: string, now: number): Promise<Realtime>;
  /** Ordered steps within a visit, counted with `FunnelCounter` so both stores agree. */
  funnel(q: AnalyticsQuery, steps: FunnelStep[]): Promise<FunnelResult>;
  close(): Promise<void>;
}

export interface FunnelEvent {
  session: number;
  ts: number;
  name: string;
  path: string;
}
