import type { ApiEnv } from "@pier/http";
import type { PierContext, RawHandler } from "@pier/platform";
import type { Hono } from "hono";
import { beaconHandler } from "./http/ingest-routes.ts";
import { queryRoutes, type ResolvedSite } from "./http/query-routes.ts";
import { Analytics } from "./service.ts";
import { SiteSettingsStore } from "./settings/settings-store.ts";
import { isExcludedPath } from "./settings/site-settings.ts";

export interface RunningAnalytics {
  analytics: Analytics;
  beacons: RawHandler;
  api: Hono<ApiEnv>;
}

/** The analytics store, beacon ingest and query API, started on first use (see module.ts). */
export async function startAnalytics(ctx: PierContext, republish: () => void): Promise<RunningAnalytics> {
  const { config, database, stores, logger, authenticate } = ctx;
  const log = logger.child({ component: "analytics" });
  const settings = await SiteSettingsStore.load(database);
  // Route providers (deploy) read autoInject into each route's `injectTracker`: publish again.
  settings.onAutoInjectChange(republish);
  const analytics = await Analytics.start({
    dataDir: config.dataDir,
    clickhouseUrl: config.clickhouseUrl,
    onWriteError: (error, lost) => log.error("analytics batch not written", { error, lost }),
    isExcluded: (site, path) => isExcludedPath(settings.get(site).excludedPaths, path),
  });
  const resolveSite = async (param: string): Promise<ResolvedSite> => {
    const app = await stores.apps.findByName(param.toLowerCase());
    return app ? { site: app.id, metricsKey: app.id } : { site: param.toLowerCase(), metricsKey: "static" };
  };
  const api = queryRoutes({
    analytics,
    settings,
    authenticate,
    resolveSite,
    requestMetrics: (key, from) => stores.requestMetrics.since(key, from),
  });
  log.info("analytics ready", { store: analytics.store.kind });
  return { analytics, beacons: beaconHandler(analytics, settings, ctx.originOf), api };
}
