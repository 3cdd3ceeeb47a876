import type { NotificationEvent } from "@pier/notify";
import { notifyMigrations } from "@pier/notify";
import type { AppRef, MonitorRow } from "@pier/uptime";
import { uptimeMigrations } from "@pier/uptime";
import { hasRows, lazyRoute, type Once, once } from "../platform/lazy.ts";
import type { PierModule } from "../platform/module.ts";
import { uptimeSettingsFromEnv } from "./uptime/settings.ts";
import type { RunningUptime } from "./uptime/start.ts";

let running: { load: Once<RunningUptime>; hasChannels: () => Promise<boolean> } | undefined;
const statusPath = /^\/status\/[a-z0-9]/;

/**
 * Uptime monitors, incidents, notification channels and public status pages in `pier serve`.
 * Checks run on the main thread's event loop as async I/O; the proxy lives in worker threads
 * and is never waited on. The service loads when there is something to check or notify, or on
 * the first request to its API or a status page: a pier without monitors does not pay for it.
 */
export const uptimeModule: PierModule = {
  name: "uptime",
  async start(ctx) {
    await ctx.database.migrate(notifyMigrations);
    await ctx.database.migrate(uptimeMigrations);
    const load = once(async () => (await import("./uptime/start.ts")).startUptime(ctx));
    const hasChannels = () => hasRows(ctx.database, "notify_channels");
    running = { load, hasChannels };

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

    // Monitors are checked from the start, channels have a delivery log to prune, and an
    // unreachable ClickHouse stops the start as it always did.
    if (ctx.config.clickhouseUrl || (await hasRows(ctx.database, "uptime_monitors")) || (await hasChannels()))
      await load();
    return {
      async stop() {
        running = undefined;
        await (await load.started())?.stop();
      },
    };
  },
};

/**
 * For the deploy engine: call after a release of `app` went live at `url` (its health path
 * included). Creates the app's default monitor once and keeps its URL current; returns undefined
 * when uptime is not running or default monitors are off (PIER_UPTIME_APP_MONITORS=off).
 */
export async function ensureAppMonitor(app: AppRef, url: string): Promise<MonitorRow | undefined> {
  if (!running || !uptimeSettingsFromEnv().appMonitors) return undefined;
  const uptime = await running.load();
  return uptime.uptime.ensureAppMonitor(app, url);
}

/** For app deletion: drops the monitors pier created for the app (user-made ones stay). */
export async function removeAppMonitors(appId: string): Promise<void> {
  if (!running) return;
  await (await running.load()).uptime.removeAppMonitors(appId);
}

/**
 * For any subsystem (failed deploys, new error issues): sends the event to every notification
 * channel that wants it. Never throws; resolves when deliveries (with retries) are done, so callers
 * usually do not await it.
 */
export async function notify(event: NotificationEvent): Promise<void> {
  if (!running) return;
  const { load, hasChannels } = running;
  // Without a channel nobody is listening: no reason to load the notifier for it.
  if (!load.started() && !(await hasChannels().catch(() => true))) return;
  await (await load().catch(() => undefined))?.notify(event);
}
