import { existsSync } from "node:fs";
import { join } from "node:path";
import { once } from "@pier/core";
import { lazyRoute, pathOf } from "@pier/http";
import type { PierModule } from "@pier/platform";
import { EVENT_PATH, SCRIPT_PATH } from "./http/ingest-routes.ts";
import { pgMigrations, sqliteMigrations } from "./migrations.gen.ts";
import { SiteSettingsStore } from "./settings/settings-store.ts";

/**
 * Web analytics: tracker and beacons at /_pier/* of every app host (forwarded by the proxy with
 * X-Pier-Host / X-Pier-App), queries under /api/v1/analytics. Events go to `<data-dir>/analytics.db`
 * or ClickHouse when PIER_CLICKHOUSE_URL is set. The store loads on the first beacon, script or
 * query, or at start once events exist (their daily roll-ups run in the background).
 */
export const analyticsModule: PierModule = {
  name: "analytics",
  async start(ctx) {
    const { config, database, logger, console, addRawHandler, proxy, routes } = ctx;
    const log = logger.child({ component: "analytics" });
    await database.migrate({ sqlite: sqliteMigrations, pg: pgMigrations });
    const republish = () => {
      if (!proxy) return;
      routes
        .publish()
        .catch((error) => log.warn("routes not republished after autoInject changed", { error }));
    };
    const withdraw = ctx.provide("analytics", {
      autoInjectSites: () => SiteSettingsStore.readAutoInjectSites(database),
    });
    // Routes published before this module migrated lack the autoInject flag.
    if ((await SiteSettingsStore.readAutoInjectSites(database)).size > 0) republish();
    const load = once(async () => (await import("./start.ts")).startAnalytics(ctx, republish));

    addRawHandler((request, server) => {
      const path = pathOf(request.url);
      if (path !== EVENT_PATH && path !== SCRIPT_PATH) return null;
      return load().then(({ beacons }) => beacons(request, server));
    });
    // Beacons on app hosts are answered by the proxy workers and arrive here in batches; the raw
    // handler above still serves beacons sent straight to the console port.
    await proxy?.setBeaconHandler((beacons) => {
      load()
        .then(({ analytics }) => analytics.ingestRaw(beacons))
        .catch((error) => log.error("analytics not started; beacons lost", { error, lost: beacons.length }));
    });
    lazyRoute(console, "/api/v1/analytics", async () => (await load()).api);
    if (config.clickhouseUrl || existsSync(join(config.dataDir, "analytics.db"))) await load();
    return {
      stop: async () => {
        withdraw();
        await proxy
          ?.setBeaconHandler(null)
          .catch((error) => log.warn("proxy still had the beacon handler", { error }));
        await (await load.started())?.analytics.stop();
      },
    };
  },
};
