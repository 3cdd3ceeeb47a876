import { join } from "node:path";
import type { ApiEnv } from "@pier/api";
import { createErrorsService, type ErrorsService } from "@pier/errors";
import type { Hono } from "hono";
import type { PierContext } from "../../platform/module.ts";
import { errorsApi } from "./api.ts";
import { type AppProjects, appProjects } from "./app-projects.ts";

export interface RunningErrors {
  service: ErrorsService;
  projects: AppProjects;
  api: Hono<ApiEnv>;
}

/** Error tracking's service, API and app projects, started on first use (see ../errors.ts). */
export async function startErrors(ctx: PierContext): Promise<RunningErrors> {
  const service = await createErrorsService({
    database: ctx.database,
    logger: ctx.logger.child({ component: "errors" }),
    secretBox: ctx.secretBox,
    clickhouseUrl: ctx.config.clickhouseUrl,
    retentionDays: ctx.config.errorsRetentionDays,
    consoleUrl: ctx.consoleUrl,
    writerThread: ctx.config.errorsWriterThread === "on",
    sourceMapsDir: join(ctx.config.dataDir, "sourcemaps"),
  });
  const projects = appProjects(ctx, service);
  ctx.logger.info("error tracking ready", {
    eventStore: service.events.kind,
    retentionDays: service.retentionDays,
  });
  return { service, projects, api: errorsApi(ctx, service, projects) };
}
