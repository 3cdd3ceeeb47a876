import { existsSync } from "node:fs";
import { join } from "node:path";
import { once } from "@pier/core";
import { isStorageFull } from "@pier/db";
import { lazyRoute, pathOf } from "@pier/http";
import type { PierModule } from "@pier/platform";
import type { RawBeacon } from "@pier/proxy/edge";
import { EVENT_PATH, SCRIPT_PATH } from "./http/ingest-routes.ts";
import { IngestRefusedError } from "./ingest/ingest-refused.ts";
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
    const storageFull = (error: unknown) => isStorageFull(error, { dataDir: config.dataDir });
    let stopped = false;
    let workersAnswer = true;
    // Beacons on app hosts are answered by the proxy workers and arrive here in batches; the raw
    // handler below still serves beacons sent straight to the console port.
    const fromWorkers = (beacons: RawBeacon[]) => {
      load()
        .then(({ analytics }) => analytics.ingestRaw(beacons))
        .catch((error) => {
          log.error("analytics not started; beacons lost", { error, lost: beacons.length });
          if (storageFull(error)) answerInWorkers(false);
        });
    };
    // Workers answer 202 before anything is stored: while nothing can be kept they forward beacons
    // to the console instead, which answers 503 with Retry-After.
    const answerInWorkers = (on: boolean) => {
      if (stopped || !proxy || workersAnswer === on) return;
      workersAnswer = on;
      proxy
        .setBeaconHandler(on ? fromWorkers : null)
        .catch((error) => log.warn("proxy workers did not switch beacon answering", { error, on }));
    };
    const load = once(async () => {
      const running = await (await import("./start.ts")).startAnalytics(ctx, republish);
      running.analytics.onStorageFullChange((full, error) => {
        if (full)
          log.error("storage full: analytics events are kept and retried, beacons answered 503", { error });
        else log.info("storage writable again: analytics beacons accepted");
        answerInWorkers(!full);
      });
      answerInWorkers(true);
      return running;
    });

    addRawHandler((request, server) => {
      const path = pathOf(request.url);
      if (path !== EVENT_PATH && path !== SCRIPT_PATH) return null;
      return load().then(
        ({ beacons }) => beacons(request, server),
        (error) => {
          // analytics.db could not even be created: the sender comes back later, as while it is full.
          if (path === EVENT_PATH && storageFull(error)) return new IngestRefusedError(true).response();
          throw error;
        },
      );
    });
    await proxy?.setBeaconHandler(fromWorkers);
    lazyRoute(console, "/api/v1/analytics", async () => (await load()).api);
    if (config.clickhouseUrl || existsSync(join(config.dataDir, "analytics.db"))) await load();
    return {
      stop: async () => {
        stopped = true;
        withdraw();
        await proxy
          ?.setBeaconHandler(null)
          .catch((error) => log.warn("proxy still had the beacon handler", { error }));
        await (await load.started())?.analytics.stop();
      },
    };
  },
};
