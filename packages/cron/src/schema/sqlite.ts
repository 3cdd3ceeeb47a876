import { sqliteColumns } from "@pier/db";
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

const { createdAt, id, json, timestamp } = sqliteColumns;

/**
 * One row per `[[cron]]` job of an app's live production release. `lastScheduledAt` is the last
 * scheduled time the scheduler has dealt with (ran, skipped or let pass): claiming a time is a
 * compare-and-set on it, so a time is never run twice, also across a restart or a hand-over.
 */
export const cronJobs = sqliteTable("cron_jobs", {
  id: id(),
  appId: text("app_id").notNull(),
  name: text("name").notNull(),
  /** The job as pier.toml declared it (schedule, command or path, overlap, timeout...). */
  definition: json<Record<string, unknown>>("definition").notNull(),
  lastScheduledAt: timestamp("last_scheduled_at").notNull(),
  createdAt: createdAt(),
});

/** Every run of a cron job: when, how long, how it ended, the last lines of its output. */
export const cronRuns = sqliteTable(
  "cron_runs",
  {
    id: id(),
    appId: text("app_id").notNull(),
    job: text("job").notNull(),
    trigger: text("trigger", { enum: ["schedule", "catch_up", "manual", "retry"] }).notNull(),
    status: text("status", {
      enum: ["running", "succeeded", "failed", "timed_out", "skipped", "interrupted"],
    }).notNull(),
    attempt: integer("attempt").notNull().default(1),
    scheduledAt: timestamp("scheduled_at"),
    startedAt: timestamp("started_at").notNull(),
    finishedAt: timestamp("finished_at"),
    durationMs: integer("duration_ms"),
    exitCode: integer("exit_code"),
    httpStatus: integer("http_status"),
    deploymentId: text("deployment_id"),
    output: json<string[]>("output").notNull(),
    error: text("error"),
  },
  (t) => [index("cron_runs_app_job_idx").on(t.appId, t.job, t.startedAt)],
);
