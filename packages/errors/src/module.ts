import { once } from "@pier/core";
import { hasRows } from "@pier/db";
import { lazyRoute, pathOf } from "@pier/http";
import type { PierModule } from "@pier/platform";
import { matchIngestPath } from "./ingest/paths.ts";
import { errorsMigrations } from "./migrations.ts";
import { otlpEnv } from "./otlp-env.ts";

/**
 * Sentry-compatible error tracking: ingest on the console port and on every app host under
 * `/_pier/` (the proxy forwards those here), the `/api/v1/errors` API and the retention sweep.
 * The service (and its writer thread) loads on the first event or API call, or at start when
 * events or replays were stored (they have a retention sweep to run): projects alone cost nothing at idle.
 */
export const errorsModule: PierModule = {
  name: "errors",
  async start(ctx) {
    await ctx.database.migrate(errorsMigrations);
    const load = once(async () => (await import("./start.ts")).startErrors(ctx));
    // Raw handler: ingest skips Hono's middleware (request log, session lookup) on the hot path.
    ctx.addRawHandler((request, server) => {
      const route = matchIngestPath(pathOf(request.url));
      if (!route) return null;
      // The client's address stands in for the SDK's `{{auto}}` user IP (unless the project drops IPs).
      const clientIp = ctx.originOf(request, server).address;
      return load().then(({ service }) => service.ingest(request, route, clientIp));
    });
    lazyRoute(ctx.console, "/api/v1/errors", async () => (await load()).api);
    const withdraw = ctx.provide("errors", {
      async authorizeIngest(key, stream) {
        return (await load()).service.authorizeIngest(key, stream);
      },
      async sentryEnv({ app, release, environment, host }) {
        const { projects } = await load();
        const project = await projects.ensure(app);
        const dsn = projects.dsn(project, host);
        return {
          SENTRY_DSN: dsn,
          SENTRY_RELEASE: release,
          SENTRY_ENVIRONMENT: environment,
          ...otlpEnv(dsn, project.publicKey, app.name),
        };
      },
      async eventCountsByApp(since) {
        // Nothing stored yet: no reason to load the service (and its writer thread) to say so.
        if (!load.started() && !(await hasRows(ctx.database, "error_issues"))) return new Map();
        const { service } = await load();
        const counts = await service.events.countsByProject(since.getTime());
        const byApp = new Map<string, number>();
        for (const project of await service.projects.list()) {
          const count = counts.get(project.id);
          if (project.appId && count) byApp.set(project.appId, count);
        }
        return byApp;
      },
    });
    // With ClickHouse configured, an unreachable server stops the start. Stored replays alone (sessions
    // recorded without an error) have a retention sweep to run too.
    if (
      ctx.config.clickhouseUrl ||
      (await hasRows(ctx.database, "error_issues")) ||
      (await hasRows(ctx.database, "error_replays"))
    )
      await load();
    return {
      async stop() {
        withdraw();
        await (await load.started())?.service.stop();
      },
    };
  },
};
