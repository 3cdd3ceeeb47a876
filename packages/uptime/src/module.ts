import { once } from "@pier/core";
import { hasRows } from "@pier/db";
import { lazyRoute } from "@pier/http";
import { notifyMigrations } from "@pier/notify";
import type { PierModule } from "@pier/platform";
import { uptimeMigrations } from "./migrations.ts";
import { uptimeSettingsFromEnv } from "./settings.ts";

const statusPath = /^\/status\/[a-z0-9]/;

/**
 * Uptime monitors, incidents, notification channels and public status pages in `pier serve`.
 * Checks run on the main thread's event loop as async I/O; the proxy lives in worker threads
 * and is never waited on. The service loads when there is something to check or notify, or on
 * the first request to its API or a status page: a pier without monitors does not pay for it.
 * It provides the `uptime` (app monitors) and `notify` (channels) capabilities.
 */
export const uptimeModule: PierModule = {
  name: "uptime",
  async start(ctx) {
    await ctx.database.migrate(notifyMigrations);
    await ctx.database.migrate(uptimeMigrations);
    const load = once(async () => (await import("./start.ts")).startUptime(ctx));
    const hasChannels = () => hasRows(ctx.database, "notify_channels");

    lazyRoute(ctx.console, "/api/v1/monitors", async () => (await load()).routes.monitors);
    lazyRoute(ctx.console, "/api/v1/incidents", async () => (await load()).routes.incidents);
    lazyRoute(ctx.console, "/api/v1/notification-channels", async () => (await load()).routes.channels);
    lazyRoute(ctx.console, "/api/v1/status-pages", async () => (await load()).routes.statusPages);
    ctx.addRawHandler((request) => {
      if (!statusPath.test(new URL(request.url).pathname)) return null;
      return load().then((uptime) => uptime.bySlug(request));
    });
    // Status hosts get a listener of their own (see start.ts); only pages with hosts need one.
    ctx.routes.register("status-pages", async () =>
      load.started() || (await hasRows(ctx.database, "uptime_status_pages"))
        ? (await load()).statusRoutes()
        : [],
    );

    const withdrawUptime = ctx.provide("uptime", {
      async ensureAppMonitor(app, url) {
        if (!uptimeSettingsFromEnv().appMonitors) return undefined;
        return (await load()).uptime.ensureAppMonitor(app, url);
      },
      async removeAppMonitors(appId) {
        await (await load()).uptime.removeAppMonitors(appId);
      },
      async appSummaries(since) {
        // Without monitors there is nothing to summarise: no reason to load the service for it.
        if (!load.started() && !(await hasRows(ctx.database, "uptime_monitors"))) return [];
        return (await load()).uptime.appSummaries(since);
      },
    });
    const withdrawNotify = ctx.provide("notify", {
      async notify(event) {
        // Without a channel nobody is listening: no reason to load the notifier for it.
        if (!load.started() && !(await hasChannels().catch(() => true))) return;
        await (await load().catch(() => undefined))?.notify(event);
      },
    });

    // Monitors are checked from the start, channels have a delivery log to prune, and with
    // ClickHouse configured an unreachable server stops the start.
    if (ctx.config.clickhouseUrl || (await hasRows(ctx.database, "uptime_monitors")) || (await hasChannels()))
      await load();
    return {
      async stop() {
        withdrawUptime();
        withdrawNotify();
        await (await load.started())?.stop();
      },
    };
  },
};
