import { type ApiEnv, routeGroup, serveRoute } from "@pier/http";
import type { Hono, MiddlewareHandler } from "hono";
import { parseQueryParams, resolveRange } from "../query/params.ts";
import type { RangeQuery } from "../query/range-query.ts";
import { type RequestMinute, summarizeRequestMetrics } from "../query/request-metrics.ts";
import type { Dimension } from "../query/types.ts";
import type { Analytics } from "../service.ts";
import type { SiteSettingsStore } from "../settings/settings-store.ts";
import { analyticsRoutes as routes } from "./contract.ts";

export interface ResolvedSite {
  /** Key events are stored under (app id, or host for routes without an app). */
  site: string;
  /** Key of the proxy's request metrics (app id, or "static"). */
  metricsKey: string;
}

export interface QueryRoutesDeps {
  analytics: Analytics;
  settings: Pick<SiteSettingsStore, "get" | "set">;
  authenticate: MiddlewareHandler<ApiEnv>;
  /** App name -> app id; anything else is taken as a host. Throws NotFoundError when unknown. */
  resolveSite(param: string): Promise<ResolvedSite>;
  requestMetrics(metricsKey: string, from: Date): Promise<RequestMinute[]>;
  now?: () => number;
}

/** The JSON API under /api/v1/analytics (documented in packages/analytics/README.md). */
export function queryRoutes(deps: QueryRoutesDeps): Hono<ApiEnv> {
  const { analytics } = deps;
  const store = analytics.store;
  const now = deps.now ?? Date.now;
  const group = routeGroup("/api/v1/analytics", deps.authenticate);

  const resolve = async (params: { site: string }, query: RangeQuery) => {
    const resolved = await deps.resolveSite(params.site);
    return { resolved, ...resolveRange(resolved.site, query, now()) };
  };

  serveRoute(group, routes.analyticsStatus, () => ({ store: store.kind, ingest: analytics.stats() }));

  serveRoute(group, routes.analyticsOverview, async ({ params, query: raw }) => {
    const { query } = await resolve(params, raw);
    return { overview: await store.overview(query), range: { from: query.from, to: query.to } };
  });

  serveRoute(group, routes.analyticsTimeseries, async ({ params, query: raw }) => {
    const { query, interval } = await resolve(params, raw);
    return { interval, points: await store.timeseries(query, interval) };
  });

  serveRoute(group, routes.analyticsBreakdown, async ({ params, query: raw }) => {
    const { query, limit } = await resolve(params, raw);
    // One of `dimensions`: the route's params schema checked it.
    const dimension = params.dimension as Dimension;
    return { dimension, rows: await store.breakdown(query, dimension, limit) };
  });

  serveRoute(group, routes.analyticsEvents, async ({ params, query: raw }) => {
    const { query, limit } = await resolve(params, raw);
    return { events: await store.customEvents(query, limit) };
  });

  serveRoute(group, routes.analyticsEventProps, async ({ params, query: raw }) => {
    const { query, limit } = await resolve(params, raw);
    return { props: await store.eventProps(query, params.name, limit) };
  });

  serveRoute(group, routes.analyticsVitals, async ({ params, query: raw }) => {
    const { query } = await resolve(params, raw);
    return { vitals: await store.vitals(query) };
  });

  serveRoute(group, routes.analyticsRealtime, async ({ params }) => {
    const resolved = await deps.resolveSite(params.site);
    return { realtime: await store.realtime(resolved.site, now()) };
  });

  serveRoute(group, routes.analyticsRequests, async ({ params, query: raw }) => {
    const { resolved, query } = await resolve(params, raw);
    const rows = await deps.requestMetrics(resolved.metricsKey, new Date(query.from));
    return { requests: summarizeRequestMetrics(rows, query.from, query.to) };
  });

  serveRoute(group, routes.analyticsDashboard, async ({ params, query: raw }) => {
    const { resolved, query, interval, limit } = await resolve(params, raw);
    const [overview, points, pages, sources, countries, devices, events, vitals, realtime, requestRows] =
      await Promise.all([
        store.overview(query),
        store.timeseries(query, interval),
        store.breakdown(query, "page", limit),
        store.breakdown(query, "source", limit),
        store.breakdown(query, "country", limit),
        store.breakdown(query, "device", limit),
        store.customEvents(query, limit),
        store.vitals(query),
        store.realtime(resolved.site, now()),
        deps.requestMetrics(resolved.metricsKey, new Date(query.from)),
      ]);
    return {
      site: resolved.site,
      range: { from: query.from, to: query.to, interval },
      overview,
      timeseries: points,
      pages,
      sources,
      countries,
      devices,
      events,
      vitals,
      realtime,
      requests: summarizeRequestMetrics(requestRows, query.from, query.to),
    };
  });

  serveRoute(group, routes.analyticsFunnel, async ({ params, body }) => {
    const resolved = await deps.resolveSite(params.site);
    // The body says the range as the query string would, so both are read by one parser.
    const rangeParams: Record<string, string> = {};
    if (body.from !== undefined) rangeParams.from = String(body.from);
    if (body.to !== undefined) rangeParams.to = String(body.to);
    if (body.period !== undefined) rangeParams.period = body.period;
    for (const [k, v] of Object.entries(body.filters ?? {}))
      if (v !== undefined) rangeParams[`filter.${k}`] = v;
    const { query } = parseQueryParams(resolved.site, rangeParams, now());
    return { funnel: await analytics.funnel(query, body.steps) };
  });

  serveRoute(group, routes.analyticsGetSettings, async ({ params }) => {
    const resolved = await deps.resolveSite(params.site);
    return { settings: deps.settings.get(resolved.site) };
  });

  serveRoute(group, routes.analyticsUpdateSettings, async ({ params, body }) => {
    const resolved = await deps.resolveSite(params.site);
    const current = deps.settings.get(resolved.site);
    const settings = { ...body, excludedPaths: body.excludedPaths ?? current.excludedPaths };
    return { settings: await deps.settings.set(resolved.site, settings) };
  });

  return group.app;
}
