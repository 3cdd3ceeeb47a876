import { once } from "@pier/core";
import { hasRows } from "@pier/db";
import { lazyRoute } from "@pier/http";
import type { PierModule } from "@pier/platform";
import { cronMigrations } from "./migrations.ts";

/**
 * Cron jobs in `pier serve`: `[[cron]]` of every app's live production release, run on schedule
 * by the one pier process that holds the scheduler's lease. Loads at start when jobs exist, when
 * a release goes live (the deploy engine tells it through the `cron` capability) or on the first
 * request to its API.
 */
export const cronModule: PierModule = {
  name: "cron",
  async start(ctx) {
    await ctx.database.migrate(cronMigrations);
    const load = once(async () => (await import("./start.ts")).startCron(ctx));
    lazyRoute(ctx.console, "/api/v1/apps/:name/cron", async () => (await load()).routes);
    const withdraw = ctx.provide("cron", {
      releaseLive(app) {
        void (async () => {
          const cron = await load();
          const row = await ctx.stores.apps.findById(app.id);
          if (row) await cron.service.syncApp(row);
        })().catch((error) =>
          ctx.logger.warn("cron jobs not updated after a deploy", { app: app.name, error }),
        );
      },
    });
    if (await hasRows(ctx.database, "cron_jobs")) await load();
    return {
      async stop() {
        withdraw();
        await (await load.started())?.stop();
      },
    };
  },
};
