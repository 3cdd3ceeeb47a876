import {
  Analytics,
  beaconHandler,
  pgMigrations,
  queryRoutes,
  type RequestMinute,
  type ResolvedSite,
  SiteSettingsStore,
  sqliteMigrations,
} from "@pier/analytics";
import type { PierModule } from "../platform/module.ts";

/**
 * Web analytics: tracker and beacons at /_pier/* of every app host (forwarded by the proxy with
 * X-Pier-Host / X-Pier-App), queries under /api/v1/analytics. Events go to `<data-dir>/analytics.db`
 * or ClickHouse when PIER_CLICKHOUSE_URL is set.
 */
export const analyticsModule: PierModule = {
  name: "analytics",
  async start({ config, database, stores, logger, console, authenticate, addRawHandler, proxy, routes }) {
    const log = logger.child({ component: "analytics" });
    await database.migrate({ sqlite: sqliteMigrations, pg: pgMigrations });
    const settings = await SiteSettingsStore.load(database);
    // Route providers (deploy) read autoInject into each route's `injectTracker`: publish again.
    const republish = () => {
      if (!proxy) return;
      routes
        .publish()
        .catch((error) => log.warn("routes not republished after autoInject changed", { error }));
    };
    settings.onAutoInjectChange(republish);
    // Routes published before this module migrated and loaded the settings lack the flag.
    if (settings.autoInjectSites().length > 0) republish();
    const analytics = await Analytics.start({
      dataDir: config.dataDir,
      clickhouseUrl: config.clickhouseUrl,
      onWriteError: (error, lost) => log.error("analytics batch not written", { error, lost }),
    });
    addRawHandler(beaconHandler(analytics, settings));
    // Beacons on app hosts are answered by the proxy workers and arrive here in batches; the raw
    // handler above still serves beacons sent straight to the console port.
    await proxy?.setBeaconHandler((beacons) => analytics.ingestRaw(beacons));

    const resolveSite = async (param: string): Promise<ResolvedSite> => {
      const app = await stores.apps.findByName(param.toLowerCase());
      return app ? { site: app.id, metricsKey: app.id } : { site: param.toLowerCase(), metricsKey: "static" };
    };
    console.route(
      "/api/v1/analytics",
      queryRoutes({
        analytics,
        settings,
        authenticate,
        resolveSite,
        requestMetrics: (key, from) => stores.requestMetrics.since(key, from) as Promise<RequestMinute[]>,
      }),
    );
    log.info("analytics ready", { store: analytics.store.kind });
    return {
      stop: async () => {
        await proxy
          ?.setBeaconHandler(null)
          .catch((error) => log.warn("proxy still had the beacon handler", { error }));
        await analytics.stop();
      },
    };
  },
};
