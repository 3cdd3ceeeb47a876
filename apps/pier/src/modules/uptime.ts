import {
  createChannelStore,
  createNotifier,
  type DeliveryRecord,
  type NotificationEvent,
  type Notifier,
  notificationEventSchema,
  notifyMigrations,
} from "@pier/notify";
import { routeSpecSchema } from "@pier/proxy";
import {
  type AppRef,
  createClickHouseCheckResults,
  type MonitorRow,
  StatusPages,
  UptimeService,
  uptimeMigrations,
} from "@pier/uptime";
import type { PierModule } from "../platform/module.ts";
import { channelsApi } from "./uptime/channels-api.ts";
import { monitorsApi } from "./uptime/monitors-api.ts";
import { publicStatusHandlers, statusPagesApi } from "./uptime/status-pages-api.ts";

interface RunningUptime {
  uptime: UptimeService;
  notifier: Notifier;
  appMonitors: boolean;
}
let running: RunningUptime | undefined;

/** Env knobs until they move into ServeConfig. The minimum below 10 s exists for tests only. */
function settingsFromEnv(env = process.env) {
  const min = Number(env.PIER_UPTIME_MIN_INTERVAL_SECONDS ?? 10);
  return {
    minIntervalSeconds: Number.isInteger(min) && min >= 1 ? min : 10,
    appMonitors: !/^(0|false|off|no)$/i.test(env.PIER_UPTIME_APP_MONITORS ?? "on"),
  };
}

/**
 * Uptime monitors, incidents, notification channels and public status pages in `pier serve`.
 * Checks run on the main thread's event loop as async I/O; the proxy lives in worker threads
 * and is never waited on.
 */
export const uptimeModule: PierModule = {
  name: "uptime",
  async start(ctx) {
    const logger = ctx.logger.child({ component: "uptime" });
    await ctx.database.migrate(notifyMigrations);
    await ctx.database.migrate(uptimeMigrations);
    const settings = settingsFromEnv();
    // With ClickHouse configured, check results go there; monitors and incidents stay in SQL.
    const checkResults = ctx.config.clickhouseUrl
      ? await createClickHouseCheckResults({
          url: ctx.config.clickhouseUrl,
          onError: (error) => logger.warn("uptime checks not written to ClickHouse", { error }),
        })
      : undefined;

    const channels = createChannelStore(ctx.database, ctx.secretBox);
    const notifierOptions = {
      listChannels: () => channels.list(),
      logger: logger.child({ component: "notify" }),
      onDelivery: (record: DeliveryRecord) => {
        channels
          .recordDelivery({
            id: record.deliveryId,
            channelId: record.channelId,
            kind: record.kind,
            ok: record.ok,
            attempts: record.attempts,
            status: record.status ?? null,
            error: record.error ?? null,
            createdAt: record.at,
          })
          .catch(() => {});
      },
    };
    const notifier = createNotifier(notifierOptions);
    // The delivery log answers "why did nobody get paged?"; a month of it is plenty.
    const pruneDeliveries = () =>
      channels.pruneDeliveries(new Date(Date.now() - 30 * 86_400_000)).catch((error) => {
        logger.warn("notification log pruning failed", { error });
      });
    await pruneDeliveries();
    const pruneTimer = setInterval(pruneDeliveries, 3600_000);
    pruneTimer.unref();
    // "Send test" answers while the user waits: one attempt, no back-off.
    const testNotifier = createNotifier({
      ...notifierOptions,
      retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
    });

    let pages: StatusPages | undefined;
    const uptime = new UptimeService({
      database: ctx.database,
      checkResults,
      sealer: ctx.secretBox,
      logger,
      notify: (event) => notifier.notify(event),
      minIntervalSeconds: settings.minIntervalSeconds,
      onStateChange: () => pages?.invalidate(),
    });
    pages = new StatusPages(uptime.store, { cacheMs: 30_000 });
    const statusPages = pages;

    const { monitors, incidents } = monitorsApi(uptime, ctx.authenticate);
    ctx.console.route("/api/v1/monitors", monitors);
    ctx.console.route("/api/v1/incidents", incidents);
    ctx.console.route("/api/v1/notification-channels", channelsApi(channels, testNotifier, ctx.authenticate));

    const publicPages = publicStatusHandlers(statusPages);
    ctx.addRawHandler((request) => publicPages.bySlug(request));
    // Status hosts get a listener of their own that serves nothing but status pages: routing a
    // public status domain to the console would expose the dashboard and API on it too.
    const statusServer = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (request) => publicPages.byHost(request),
    });
    const statusOrigin = `http://127.0.0.1:${statusServer.port}`;
    ctx.routes.register("status-pages", async () =>
      (await statusPages.hosts()).map((host) =>
        routeSpecSchema.parse({ id: `status-page:${host}`, host, upstreams: [statusOrigin] }),
      ),
    );
    const republish = async () => {
      if (ctx.proxy) await ctx.routes.publish();
    };
    ctx.console.route("/api/v1/status-pages", statusPagesApi(statusPages, ctx.authenticate, republish));

    await uptime.start();
    running = { uptime, notifier, appMonitors: settings.appMonitors };
    logger.info("uptime ready", {
      monitors: (await uptime.store.monitors.list()).length,
      checkResults: uptime.store.checks.kind,
    });
    return {
      async stop() {
        running = undefined;
        clearInterval(pruneTimer);
        await statusServer.stop(true);
        await uptime.stop();
        await checkResults?.close();
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
  if (!running?.appMonitors) return undefined;
  return running.uptime.ensureAppMonitor(app, url);
}

/** For app deletion: drops the monitors pier created for the app (user-made ones stay). */
export async function removeAppMonitors(appId: string): Promise<void> {
  await running?.uptime.removeAppMonitors(appId);
}

/**
 * For any subsystem (failed deploys, new error issues): sends the event to every notification
 * channel that wants it. Never throws; resolves when deliveries (with retries) are done, so callers
 * usually do not await it.
 */
export async function notify(event: NotificationEvent): Promise<void> {
  if (!running) return;
  const parsed = notificationEventSchema.safeParse(event);
  if (!parsed.success) return;
  await running.notifier.notify(parsed.data).catch(() => {});
}
