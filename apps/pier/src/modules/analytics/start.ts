import { Analytics, beaconHandler, queryRoutes, type ResolvedSite, SiteSettingsStore } from "@pier/analytics";
import type { ApiEnv } from "@pier/api";
import type { Hono } from "hono";
import type { PierContext, RawHandler } from "../../platform/module.ts";

export interface RunningAnalytics {
  analytics: Analytics;
  beacons: RawHandler;
  api: Hono<ApiEnv>;
}

/** The analytics store, beacon ingest and query API, started on first use (see ../analytics.ts). */
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
  }) as unknown as Hono<ApiEnv>;
  log.info("analytics ready", { store: analytics.store.kind });
  return { analytics, beacons: beaconHandler(analytics, settings), api };
}
