import { appNameSchema, defineRoutes, timestamp } from "@pier/http/contract";
import { z } from "zod";

export const cronRunView = z.object({
  id: z.string(),
  job: z.string(),
  /** schedule, catch_up (a time missed while pier was down), manual, retry. */
  trigger: z.enum(["schedule", "catch_up", "manual", "retry"]),
  status: z.enum(["running", "succeeded", "failed", "timed_out", "skipped", "interrupted"]),
  attempt: z.number().int(),
  scheduledAt: timestamp().nullable(),
  startedAt: timestamp(),
  finishedAt: timestamp().nullable(),
  durationMs: z.number().int().nullable(),
  exitCode: z.number().int().nullable(),
  /** For path jobs: the app's answer. */
  httpStatus: z.number().int().nullable(),
  deploymentId: z.string().nullable(),
  /** The last lines of output. */
  output: z.array(z.string()),
  error: z.string().nullable(),
});

export const cronJobView = z.object({
  name: z.string(),
  schedule: z.string(),
  timezone: z.string(),
  command: z.union([z.string(), z.array(z.string())]).nullable(),
  path: z.string().nullable(),
  overlap: z.enum(["skip", "queue"]),
  timeoutMs: z.number().int(),
  retries: z.number().int(),
  catchUp: z.boolean(),
  nextRunAt: timestamp().nullable(),
  running: z.boolean(),
  lastRun: cronRunView.nullable(),
});

const appParams = z.object({ name: appNameSchema });
const jobName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "a job name from pier.toml [[cron]]");

/** Cron jobs of an app (declared in its pier.toml [[cron]]) and their history. */
export const cronRoutes = defineRoutes({
  listCronJobs: {
    method: "GET",
    path: "/api/v1/apps/:name/cron",
    tag: "cron",
    access: "read",
    summary: "The app's cron jobs (from its live production release) with their next and last run",
    params: appParams,
    response: z.object({ jobs: z.array(cronJobView) }),
  },
  runCronJob: {
    method: "POST",
    path: "/api/v1/apps/:name/cron/:job/run",
    tag: "cron",
    access: "deploy",
    summary: "Run a cron job now, whatever its schedule; answers with the run at once (poll it for the end)",
    params: z.object({ name: appNameSchema, job: jobName }),
    status: 202,
    response: z.object({ run: cronRunView }),
  },
  cronHistory: {
    method: "GET",
    path: "/api/v1/apps/:name/cron/history",
    tag: "cron",
    access: "read",
    summary: "Runs of the app's cron jobs, newest first (?job= for one job, limit 1 to 500, default 50)",
    params: appParams,
    query: z.object({
      job: jobName.optional(),
      limit: z.coerce.number().int().min(1).max(500).default(50),
    }),
    response: z.object({ runs: z.array(cronRunView) }),
  },
  getCronRun: {
    method: "GET",
    path: "/api/v1/apps/:name/cron/runs/:id",
    tag: "cron",
    access: "read",
    summary: "One run of a cron job",
    params: z.object({ name: appNameSchema, id: z.string().min(1).max(64) }),
    response: z.object({ run: cronRunView }),
  },
});
