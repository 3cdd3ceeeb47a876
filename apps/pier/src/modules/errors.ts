import { createErrorsService, type ErrorsService, matchIngestPath } from "@pier/errors";
import type { PierModule } from "../platform/module.ts";
import { errorsApi } from "./errors/api.ts";
import { type AppProjects, appProjects } from "./errors/app-projects.ts";

let running: { service: ErrorsService; projects: AppProjects } | null = null;

/** Where an absolute request URL's path starts, without building a URL object per request. */
function pathOf(url: string): string {
  const slash = url.indexOf("/", url.indexOf("//") + 2);
  if (slash === -1) return "/";
  const q = url.indexOf("?", slash);
  return q === -1 ? url.slice(slash) : url.slice(slash, q);
}

/**
 * Sentry-compatible error tracking: ingest on the console port and on every app host under
 * `/_pier/` (the proxy forwards those here), the `/api/v1/errors` API and the retention sweep.
 */
export const errorsModule: PierModule = {
  name: "errors",
  async start(ctx) {
    const retention = Number(process.env.PIER_ERRORS_RETENTION_DAYS ?? 30);
    const service = await createErrorsService({
      database: ctx.database,
      logger: ctx.logger.child({ component: "errors" }),
      secretBox: ctx.secretBox,
      clickhouseUrl: ctx.config.clickhouseUrl,
      retentionDays: Number.isFinite(retention) && retention > 0 ? retention : 30,
      consoleUrl: ctx.consoleUrl,
      writerThread: process.env.PIER_ERRORS_WRITER_THREAD !== "0",
    });
    const projects = appProjects(ctx, service);
    // Raw handler: ingest skips Hono's middleware (request log, session lookup) on the hot path.
    ctx.addRawHandler((request) => {
      const route = matchIngestPath(pathOf(request.url));
      return route ? service.ingest(request, route) : null;
    });
    ctx.console.route("/api/v1/errors", errorsApi(ctx, service, projects));
    running = { service, projects };
    ctx.logger.info("error tracking ready", {
      eventStore: service.events.kind,
      retentionDays: service.retentionDays,
    });
    return {
      async stop() {
        running = null;
        await service.stop();
      },
    };
  },
};

/**
 * For the deploy engine: the SENTRY_* variables to inject into an app's replicas. Creates the app's
 * project on first use. `host` is a domain the app is served on (the DSN then goes through that
 * host's `/_pier/` path, reachable from browsers and from containers alike); without it the DSN
 * points at the console URL. Returns {} when error tracking is not running.
 */
export async function sentryEnvForApp(input: {
  app: { id: string; name: string };
  release: string;
  environment: string;
  host?: string | null;
}): Promise<Record<string, string>> {
  if (!running) return {};
  const project = await running.projects.ensure(input.app);
  return {
    SENTRY_DSN: running.projects.dsn(project, input.host),
    SENTRY_RELEASE: input.release,
    SENTRY_ENVIRONMENT: input.environment,
  };
}

/** The DSN of an app's project (created on first use), or null when error tracking is not running. */
export async function dsnForApp(
  app: { id: string; name: string },
  host?: string | null,
): Promise<string | null> {
  if (!running) return null;
  return running.projects.dsn(await running.projects.ensure(app), host);
}
