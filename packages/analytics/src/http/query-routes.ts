import { type ApiEnv, readBody, requireScope } from "@pier/http";
import { type Context, Hono, type MiddlewareHandler } from "hono";
import { z } from "zod";
import { parseQueryParams } from "../query/params.ts";
import { type RequestMinute, summarizeRequestMetrics } from "../query/request-metrics.ts";
import { dimensions, filtersSchema, funnelStepsSchema } from "../query/types.ts";
import type { Analytics } from "../service.ts";
import { type SiteSettingsStore, siteSettingsSchema } from "../settings/settings-store.ts";

export interface ResolvedSite {
  /** Key events are stored under (app id, or host for routes without an app). */
  site: string;
  /** Key of the proxy's request metrics (app id, or "static"). */
  metricsKey: string;
}

export interface QueryRoutesDeps {
  analytics: Analytics;
  settings: SiteSettingsStore;
  authenticate: MiddlewareHandler<ApiEnv>;
  /** App name -> app id; anything else is taken as a host. Throws NotFoundError when unknown. */
  resolveSite(param: string): Promise<ResolvedSite>;
  requestMetrics(metricsKey: string, from: Date): Promise<RequestMinute[]>;
  now?: () => number;
}

const funnelBody = z.strictObject({
  steps: funnelStepsSchema,
  from: z.number().int().optional(),
  to: z.number().int().optional(),
  period: z.string().optional(),
  filters: filtersSchema.optional(),
});

/** The JSON API under /api/v1/analytics (documented in packages/analytics/README.md). */
export function queryRoutes(deps: QueryRoutesDeps) {
  const { analytics } = deps;
  const store = analytics.store;
  const now = deps.now ?? Date.now;
  const app = new Hono<ApiEnv>();
  app.use("*", deps.authenticate);

  const parse = async (c: Context<ApiEnv>) => {
    const resolved = await deps.resolveSite(c.req.param("site") ?? "");
    return { resolved, ...parseQueryParams(resolved.site, c.req.query(), now()) };
  };

  app.get("/", requireScope("read"), (c) => c.json({ store: store.kind, ingest: analytics.stats() }));

  app.get("/:site/overview", requireScope("read"), async (c) => {
    const { query } = await parse(c);
    return c.json({ overview: await store.overview(query), range: { from: query.from, to: query.to } });
  });

  app.get("/:site/timeseries", requireScope("read"), async (c) => {
    const { query, interval } = await parse(c);
    return c.json({ interval, points: await store.timeseries(query, interval) });
  });

  app.get("/:site/breakdown/:dimension", requireScope("read"), async (c) => {
    const { query, limit } = await parse(c);
    const dimension = z.enum(dimensions).safeParse(c.req.param("dimension"));
    if (!dimension.success)
      return c.json(
        { error: { code: "invalid_request", message: `dimension must be one of ${dimensions.join(", ")}` } },
        400,
      );
    return c.json({ dimension: dimension.data, rows: await store.breakdown(query, dimension.data, limit) });
  });

  app.get("/:site/events", requireScope("read"), async (c) => {
    const { query, limit } = await parse(c);
    return c.json({ events: await store.customEvents(query, limit) });
  });

  app.get("/:site/events/:name/props", requireScope("read"), async (c) => {
    const { query, limit } = await parse(c);
    return c.json({ props: await store.eventProps(query, c.req.param("name"), limit) });
  });

  app.get("/:site/vitals", requireScope("read"), async (c) => {
    const { query } = await parse(c);
    return c.json({ vitals: await store.vitals(query) });
  });

  app.get("/:site/realtime", requireScope("read"), async (c) => {
    const resolved = await deps.resolveSite(c.req.param("site"));
    return c.json({ realtime: await store.realtime(resolved.site, now()) });
  });

  app.get("/:site/requests", requireScope("read"), async (c) => {
    const { resolved, query } = await parse(c);
    const rows = await deps.requestMetrics(resolved.metricsKey, new Date(query.from));
    return c.json({ requests: summarizeRequestMetrics(rows, query.from, query.to) });
  });

  /** Everything the dashboard's first screen shows, in one round trip. */
  app.get("/:site/dashboard", requireScope("read"), async (c) => {
    const { resolved, query, interval, limit } = await parse(c);
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
    return c.json({
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
    });
  });

  app.post("/:site/funnel", requireScope("read"), async (c) => {
    const resolved = await deps.resolveSite(c.req.param("site"));
    const body = await readBody(c, funnelBody);
    const params: Record<string, string> = {};
    if (body.from !== undefined) params.from = String(body.from);
    if (body.to !== undefined) params.to = String(body.to);
    if (body.period !== undefined) params.period = body.period;
    for (const [k, v] of Object.entries(body.filters ?? {})) if (v !== undefined) params[`filter.${k}`] = v;
    const { query } = parseQueryParams(resolved.site, params, now());
    return c.json({ funnel: await analytics.funnel(query, body.steps) });
  });

  app.get("/:site/settings", requireScope("read"), async (c) => {
    const resolved = await deps.resolveSite(c.req.param("site"));
    return c.json({ settings: deps.settings.get(resolved.site) });
  });

  app.put("/:site/settings", requireScope("write"), async (c) => {
    const resolved = await deps.resolveSite(c.req.param("site"));
    const body = await readBody(c, siteSettingsSchema);
    return c.json({ settings: await deps.settings.set(resolved.site, body) });
  });

  return app;
}
