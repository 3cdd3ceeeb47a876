import { NotFoundError } from "@pier/core";
import type { Stores } from "@pier/db";
import { type ApiEnv, findAppOr404, routeGroup, serveRoute } from "@pier/http";
import type { Hono, MiddlewareHandler } from "hono";
import type { CronService, JobView } from "../service.ts";
import type { CronRunRow, CronStore } from "../store.ts";
import { cronRoutes } from "./contract.ts";

export const cronPrefix = "/api/v1/apps/:name/cron";

export function presentRun(row: CronRunRow) {
  return {
    id: row.id,
    job: row.job,
    trigger: row.trigger,
    status: row.status,
    attempt: row.attempt,
    scheduledAt: row.scheduledAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    durationMs: row.durationMs,
    exitCode: row.exitCode,
    httpStatus: row.httpStatus,
    deploymentId: row.deploymentId,
    output: row.output,
    error: row.error,
  };
}

export function presentJob(view: JobView) {
  const { job } = view;
  return {
    name: job.name,
    schedule: job.schedule,
    timezone: job.timezone,
    command: job.command ?? null,
    path: job.path ?? null,
    overlap: job.overlap,
    timeoutMs: job.timeout,
    retries: job.retries,
    catchUp: job.catch_up,
    nextRunAt: view.nextRunAt,
    running: view.running,
    lastRun: view.lastRun ? presentRun(view.lastRun) : null,
  };
}

export function createCronRoutes(deps: {
  stores: Stores;
  cron: CronStore;
  service: CronService;
  authenticate: MiddlewareHandler<ApiEnv>;
}): Hono<ApiEnv> {
  const group = routeGroup(cronPrefix, deps.authenticate);
  const app = (name: string) => findAppOr404(deps.stores, name);

  serveRoute(group, cronRoutes.listCronJobs, async ({ params }) => {
    const row = await app(params.name);
    return { jobs: (await deps.service.listJobs(row)).map(presentJob) };
  });
  serveRoute(group, cronRoutes.runCronJob, async ({ params }) => {
    const row = await app(params.name);
    return { run: presentRun(await deps.service.runNow(row, params.job)) };
  });
  serveRoute(group, cronRoutes.cronHistory, async ({ params, query }) => {
    const row = await app(params.name);
    const runs = await deps.cron.history(row.id, { job: query.job, limit: query.limit });
    return { runs: runs.map(presentRun) };
  });
  serveRoute(group, cronRoutes.getCronRun, async ({ params }) => {
    const row = await app(params.name);
    const run = await deps.cron.findRun(row.id, params.id);
    if (!run) throw new NotFoundError("Cron run", params.id);
    return { run: presentRun(run) };
  });
  return group.app;
}
