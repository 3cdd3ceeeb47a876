import { join } from "node:path";
import type { ApiEnv } from "@pier/http";
import type { PierContext } from "@pier/platform";
import type { Hono } from "hono";
import { type AppProjects, appProjects } from "./app-projects.ts";
import { errorsApi } from "./http/api-routes.ts";
import { createErrorsService, type ErrorsService } from "./service.ts";

export interface RunningErrors {
  service: ErrorsService;
  projects: AppProjects;
  api: Hono<ApiEnv>;
}

/** Error tracking's service, API and app projects, started on first use (see module.ts). */
export async function startErrors(ctx: PierContext): Promise<RunningErrors> {
  const service = await createErrorsService({
    database: ctx.database,
    logger: ctx.logger.child({ component: "errors" }),
    secretBox: ctx.secretBox,
    clickhouseUrl: ctx.config.clickhouseUrl,
    retentionDays: ctx.config.errorsRetentionDays,
    replays: {
      retentionDays: ctx.config.replayRetentionDays,
      maxBytesPerReplay: ctx.config.replayMaxMb * 1024 * 1024,
    },
    consoleUrl: ctx.consoleUrl,
    writerThread: ctx.config.errorsWriterThread === "on",
    sourceMapsDir: join(ctx.config.dataDir, "sourcemaps"),
    // Project webhooks are user-typed URLs: they go through the egress policy.
    webhookFetch: ctx.egress.fetch,
    // Looked up per issue: the notify capability comes with the uptime module, maybe later.
    notifyChannels: async (event) => ctx.capabilities.notify?.notify(event),
    // Looked up per item, so traces started after errors still get them.
    forwardItem: (project, item) =>
      ctx.capabilities.traces?.acceptSentryItem(
        { projectId: project.id, appId: project.appId, name: project.name },
        item.type,
        item.payload,
      ) ?? false,
    observeEvent: (project, eventId, payload) =>
      ctx.capabilities.traces?.noteErrorEvent?.(
        { projectId: project.id, appId: project.appId, name: project.name },
        eventId,
        payload,
      ),
  });
  const projects = appProjects(ctx, service);
  ctx.logger.info("error tracking ready", {
    eventStore: service.events.kind,
    retentionDays: service.retentionDays,
  });
  return { service, projects, api: errorsApi(ctx, service, projects) };
}
