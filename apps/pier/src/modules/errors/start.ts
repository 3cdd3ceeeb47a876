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
  ctx.logger.info("error tracking ready", {
    eventStore: service.events.kind,
    retentionDays: service.retentionDays,
  });
  return { service, projects, api: errorsApi(ctx, service, projects) };
}
