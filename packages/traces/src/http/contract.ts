import { defineRoutes } from "@pier/http/contract";
import { z } from "zod";

// Times in this API are epoch milliseconds, durations milliseconds (fractions keep microseconds).

export const tracePeriod = z.enum(["1h", "6h", "24h", "7d"]);
const statusSchema = z.enum(["unset", "ok", "error"]);
const attributeValue: z.ZodType<unknown> = z.unknown();

export const spanView = z.object({
  traceId: z.string(),
  spanId: z.string(),
  parentSpanId: z.string().nullable(),
  projectId: z.number(),
  appId: z.string().nullable(),
  service: z.string(),
  name: z.string(),
  kind: z.enum(["unspecified", "internal", "server", "client", "producer", "consumer"]),
  route: z.string(),
  status: statusSchema,
  statusMessage: z.string().nullable(),
  start: z.number(),
  durationMs: z.number(),
  entry: z.boolean(),
  attributes: z.record(z.string(), attributeValue),
  events: z.array(
    z.object({ name: z.string(), time: z.number(), attributes: z.record(z.string(), attributeValue) }),
  ),
  source: z.enum(["otlp", "sentry"]),
});
export type SpanView = z.infer<typeof spanView>;

const percentiles = z.object({
  count: z.number(),
  errors: z.number(),
  p50: z.number(),
  p95: z.number(),
  p99: z.number(),
});

const ownerQuery = {
  /** An app's name: spans sent with its project's key. */
  app: z.string().max(64).optional(),
  project: z.coerce.number().int().positive().optional(),
  service: z.string().max(200).optional(),
};

const traceListQuery = z.object({
  ...ownerQuery,
  route: z.string().max(500).optional(),
  status: statusSchema.optional(),
  minDurationMs: z.coerce.number().min(0).optional(),
  maxDurationMs: z.coerce.number().min(0).optional(),
  period: tracePeriod.default("24h"),
  sort: z.enum(["recent", "slowest"]).default("recent"),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

/** `/api/v1/traces`: spans from OTLP exporters and Sentry SDKs, as traces and per-route latency. */
export const tracesRoutes = defineRoutes({
  listTraces: {
    method: "GET",
    path: "/api/v1/traces",
    tag: "traces",
    access: "read",
    summary: "Requests (each service's entry span) by service, route, duration and status",
    query: traceListQuery,
    response: z.object({
      traces: z.array(spanView),
      total: z.number(),
      limit: z.number(),
      offset: z.number(),
    }),
  },
  traceRouteStats: {
    method: "GET",
    path: "/api/v1/traces/routes",
    tag: "traces",
    access: "read",
    summary: "p50/p95/p99 per route over a period and per time bucket, slowest first",
    query: z.object({
      ...ownerQuery,
      route: z.string().max(500).optional(),
      period: tracePeriod.default("24h"),
    }),
    response: z.object({
      period: tracePeriod,
      bucketMs: z.number(),
      since: z.number(),
      /** Percentiles are over the most recent 100,000 requests of the period at most. */
      sampled: z.boolean(),
      routes: z.array(
        percentiles.extend({
          service: z.string(),
          route: z.string(),
          series: z.array(percentiles.extend({ start: z.number() })),
        }),
      ),
    }),
  },
  traceServices: {
    method: "GET",
    path: "/api/v1/traces/services",
    tag: "traces",
    access: "read",
    summary: "Services that sent spans in the period",
    query: z.object({ app: ownerQuery.app, project: ownerQuery.project, period: tracePeriod.default("7d") }),
    response: z.object({ services: z.array(z.string()) }),
  },
  getTrace: {
    method: "GET",
    path: "/api/v1/traces/:traceId",
    tag: "traces",
    access: "read",
    summary: "A trace with all its spans (every service, or one app's or project's), oldest first",
    params: z.object({ traceId: z.string().regex(/^[0-9a-fA-F]{32}$/, "a trace id is 32 hex digits") }),
    /** Only the spans (and errors) of this app or project: each project's are its own. */
    query: z.object({ app: ownerQuery.app, project: ownerQuery.project }),
    response: z.object({
      traceId: z.string(),
      spans: z.array(spanView),
      /** Error events that happened in the trace (their `contexts.trace`), oldest first. */
      errors: z.array(
        z.object({
          projectId: z.number(),
          eventId: z.string(),
          spanId: z.string().nullable(),
          time: z.number(),
        }),
      ),
    }),
  },
});
