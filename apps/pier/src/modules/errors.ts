import { errorsMigrations, matchIngestPath } from "@pier/errors";
import { hasRows, lazyRoute, type Once, once } from "../platform/lazy.ts";
import type { PierModule } from "../platform/module.ts";
import type { RunningErrors } from "./errors/start.ts";

let running: Once<RunningErrors> | null = null;

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
 * The service (and its writer thread) loads on the first event or API call, or at start when
 * events were stored (they have a retention sweep to run): projects alone cost nothing at idle.
 */
export const errorsModule: PierModule = {
  name: "errors",
  async start(ctx) {
    await ctx.database.migrate(errorsMigrations);
    const load = once(async () => (await import("./errors/start.ts")).startErrors(ctx));
    // Raw handler: ingest skips Hono's middleware (request log, session lookup) on the hot path.
    ctx.addRawHandler((request) => {
      const route = matchIngestPath(pathOf(request.url));
      return route ? load().then(({ service }) => service.ingest(request, route)) : null;
    });
    lazyRoute(ctx.console, "/api/v1/errors", async () => (await load()).api);
    running = load;
    // With ClickHouse configured an unreachable server stops the start, as it always did.
    if (ctx.config.clickhouseUrl || (await hasRows(ctx.database, "error_issues"))) await load();
    return {
      async stop() {
        running = null;
        await (await load.started())?.service.stop();
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
  const { projects } = await running();
  const project = await projects.ensure(input.app);
  return {
    SENTRY_DSN: projects.dsn(project, input.host),
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
  const { projects } = await running();
  return projects.dsn(await projects.ensure(app), host);
}
