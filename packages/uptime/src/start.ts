import { ConflictError } from "@pier/core";
import { resolveAllowed } from "@pier/egress";
import { type ApiEnv, type RouteGroup, routeGroup } from "@pier/http";
import {
  createChannelStore,
  createNotifier,
  type DeliveryRecord,
  type MailMessage,
  type NotificationEvent,
  type Notifier,
  notificationEventSchema,
  type SmtpOptions,
  sendMail,
} from "@pier/notify";
import type { PierContext } from "@pier/platform";
import type { RouteSpec } from "@pier/proxy";
import { routeSpecSchema } from "@pier/proxy/spec";
import type { Hono } from "hono";
import { createClickHouseCheckResults } from "./check-results/clickhouse-check-results.ts";
import { egressCheckers, type OwnApps } from "./checks/egress-checkers.ts";
import { channelsRoutes } from "./http/channels-routes.ts";
import { incidentsRoutes, monitorsRoutes } from "./http/monitors-routes.ts";
import { publicStatusHandlers, statusPagesRoutes } from "./http/status-pages-routes.ts";
import { UptimeService } from "./service.ts";
import { uptimeSettingsFromEnv } from "./settings.ts";
import { StatusPages } from "./status-page/status-pages.ts";

export interface RunningUptime {
  uptime: UptimeService;
  notifier: Notifier;
  appMonitors: boolean;
  routes: Record<"monitors" | "incidents" | "channels" | "statusPages", Hono<ApiEnv>>;
  bySlug(request: Request): Promise<Response> | null;
  /** Proxy routes of status pages served on their own hosts. */
  statusRoutes(): Promise<RouteSpec[]>;
  /** Sends the event to every channel that wants it; never throws. */
  notify(event: NotificationEvent): Promise<void>;
  stop(): Promise<void>;
}

/** Everything uptime runs, started on first use (see module.ts). Migrations have run already. */
export async function startUptime(ctx: PierContext): Promise<RunningUptime> {
  const logger = ctx.logger.child({ component: "uptime" });
  const settings = uptimeSettingsFromEnv();
  // With ClickHouse configured, check results go there; monitors and incidents stay in SQL.
  const checkResults = ctx.config.clickhouseUrl
    ? await createClickHouseCheckResults({
        url: ctx.config.clickhouseUrl,
        onError: (error) => logger.warn("uptime checks not written to ClickHouse", { error }),
      })
    : undefined;

  const channels = createChannelStore(ctx.database, ctx.secretBox);
  const notifierOptions = {
    // Webhooks and SMTP servers are user-typed targets: they go through the egress policy.
    fetch: ctx.egress.fetch,
    sendMail: async (options: SmtpOptions, message: MailMessage) =>
      sendMail({ ...options, address: await resolveAllowed(options.host, ctx.egress.policy) }, message),
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
    checkers: egressCheckers(ctx.egress, ctx.proxy ? ownApps(ctx) : undefined),
  });
  pages = new StatusPages(uptime.store, { cacheMs: 30_000 });
  const statusPages = pages;

  const group = (prefix: string, serve: (group: RouteGroup) => void): Hono<ApiEnv> => {
    const built = routeGroup(prefix, ctx.authenticate);
    serve(built);
    return built.app;
  };
  const publicPages = publicStatusHandlers(statusPages);
  // Status hosts get a listener of their own that serves nothing but status pages: routing a
  // public status domain to the console would expose the dashboard and API on it too.
  const statusServer = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (request) => publicPages.byHost(request),
  });
  const statusOrigin = `http://127.0.0.1:${statusServer.port}`;
  // A status host another route already serves is left out of the table by the publish: report
  // it, so the page that asked for it is undone (status-pages-routes.ts) instead of kept unserved.
  const republish = async () => {
    if (!ctx.proxy) return;
    const { conflicts } = await ctx.routes.publish();
    const lost = conflicts.find((c) => c.dropped.id.startsWith("status-page:"));
    if (lost)
      throw new ConflictError(
        `${lost.host} is already served by another route (${lost.kept.id}): pick another host for the status page, or remove that route first.`,
      );
  };

  // Checks, incidents and their notifications: one pier runs them (the primary).
  const stopChecks = ctx.primary.run("uptime checks", () => {
    void uptime.start();
    return () => uptime.stop();
  });
  logger.info("uptime ready", {
    monitors: (await uptime.store.monitors.list()).length,
    checkResults: uptime.store.checks.kind,
  });
  return {
    uptime,
    notifier,
    appMonitors: settings.appMonitors,
    routes: {
      monitors: group("/api/v1/monitors", (g) => monitorsRoutes(g, uptime)),
      incidents: group("/api/v1/incidents", (g) => incidentsRoutes(g, uptime)),
      channels: group("/api/v1/notification-channels", (g) => channelsRoutes(g, channels, testNotifier)),
      statusPages: group("/api/v1/status-pages", (g) => statusPagesRoutes(g, statusPages, republish)),
    },
    async notify(event) {
      const parsed = notificationEventSchema.safeParse(event);
      if (parsed.success) await notifier.notify(parsed.data).catch(() => {});
    },
    bySlug: (request) => publicPages.bySlug(request),
    statusRoutes: async () =>
      (await statusPages.hosts()).map((host) =>
        routeSpecSchema.parse({ id: `status-page:${host}`, host, upstreams: [statusOrigin] }),
      ),
    async stop() {
      clearInterval(pruneTimer);
      await statusServer.stop(true);
      await stopChecks();
      await checkResults?.close();
    },
  };
}

/** The hosts this pier routes, read from its route table at most every 10 s. */
function ownApps(ctx: PierContext): OwnApps {
  let cached: { at: number; hosts: Promise<ReadonlySet<string>> } | undefined;
  return {
    proxy: { host: ctx.config.host, httpPort: ctx.config.httpPort, httpsPort: ctx.config.httpsPort },
    routedHosts() {
      if (!cached || Date.now() - cached.at > 10_000) {
        const hosts = ctx.routes.collect().then((routes) => new Set(routes.map((route) => route.host)));
        // A failed read is not kept: the next check reads again.
        hosts.catch(() => {
          cached = undefined;
        });
        cached = { at: Date.now(), hosts };
      }
      return cached.hosts;
    },
  };
}
