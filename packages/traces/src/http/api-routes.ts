import { NotFoundError } from "@pier/core";
import { type ApiEnv, findAppOr404, routeGroup, serveRoute } from "@pier/http";
import type { PierContext } from "@pier/platform";
import type { Hono } from "hono";
import { routeStats } from "../route-stats.ts";
import type { StoredSpan, TraceStore } from "../store/trace-store.ts";
import { tracesRoutes } from "./contract.ts";

const periods = {
  "1h": [3_600_000, 60_000],
  "6h": [6 * 3_600_000, 5 * 60_000],
  "24h": [86_400_000, 3_600_000],
  "7d": [7 * 86_400_000, 6 * 3_600_000],
} as const;
const MAX_SAMPLES = 100_000;

export function spanJson(span: StoredSpan) {
  const { startUs, durationUs, events, ...rest } = span;
  return {
    ...rest,
    start: startUs / 1000,
    durationMs: durationUs / 1000,
    events: events.map((e) => ({ name: e.name, time: e.timeUs / 1000, attributes: e.attributes })),
  };
}

/** `/api/v1/traces/...`. Documented in packages/traces/README.md. */
export function tracesApi(
  ctx: PierContext,
  store: TraceStore,
  options: { beforeRead?: () => Promise<void>; now?: () => number } = {},
): Hono<ApiEnv> {
  const now = options.now ?? Date.now;
  const group = routeGroup("/api/v1/traces", ctx.authenticate);
  const routes = tracesRoutes;

  async function owner(query: { app?: string; project?: number; service?: string }) {
    const appId = query.app === undefined ? undefined : (await findAppOr404(ctx.stores, query.app)).id;
    return { appId, projectId: query.project, service: query.service };
  }

  // Fixed paths before /:traceId.
  serveRoute(group, routes.traceRouteStats, async ({ query }) => {
    const [span, bucketMs] = periods[query.period];
    const since = Math.floor((now() - span) / bucketMs) * bucketMs;
    const samples = await store.samples({
      ...(await owner(query)),
      route: query.route,
      fromUs: since * 1000,
      toUs: (now() + 60_000) * 1000,
      limit: MAX_SAMPLES,
    });
    return {
      period: query.period,
      bucketMs,
      since,
      sampled: samples.length >= MAX_SAMPLES,
      routes: routeStats(samples, bucketMs),
    };
  });
  serveRoute(group, routes.traceServices, async ({ query }) => ({
    services: await store.services({
      ...(await owner(query)),
      fromUs: (now() - periods[query.period][0]) * 1000,
    }),
  }));
  serveRoute(group, routes.listTraces, async ({ query }) => {
    const { spans, total } = await store.list({
      ...(await owner(query)),
      route: query.route,
      status: query.status,
      minDurationUs: query.minDurationMs === undefined ? undefined : query.minDurationMs * 1000,
      maxDurationUs: query.maxDurationMs === undefined ? undefined : query.maxDurationMs * 1000,
      fromUs: (now() - periods[query.period][0]) * 1000,
      toUs: (now() + 60_000) * 1000,
      sort: query.sort,
      limit: query.limit,
      offset: query.offset,
    });
    return { traces: spans.map(spanJson), total, limit: query.limit, offset: query.offset };
  });
  serveRoute(group, routes.getTrace, async ({ params, query }) => {
    const traceId = params.traceId.toLowerCase();
    await options.beforeRead?.();
    const { appId, projectId } = await owner(query);
    const spans = await store.trace(traceId, { appId, projectId });
    // Error links know their project, not their app: an app's are those of its spans' projects.
    const projectIds =
      projectId !== undefined
        ? [projectId]
        : appId !== undefined
          ? [...new Set(spans.map((s) => s.projectId))]
          : undefined;
    const errors = await store.errorsOf(traceId, { projectIds });
    if (spans.length === 0 && errors.length === 0) throw new NotFoundError("Trace", traceId);
    return {
      traceId,
      spans: spans.map(spanJson),
      errors: errors.map((e) => ({
        projectId: e.projectId,
        eventId: e.eventId,
        spanId: e.spanId,
        time: e.receivedUs / 1000,
      })),
    };
  });
  return group.app;
}
