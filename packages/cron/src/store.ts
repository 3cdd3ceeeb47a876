import type { Database } from "@pier/db";
import { and, desc, eq, inArray, notInArray } from "drizzle-orm";
import type { CronJob, RunStatus, RunTrigger } from "./job.ts";
import * as pgSchema from "./schema/pg.ts";
import * as sqliteSchema from "./schema/sqlite.ts";

type Tables = typeof sqliteSchema;
export type CronJobRow = Tables["cronJobs"]["$inferSelect"];
export type CronRunRow = Tables["cronRuns"]["$inferSelect"];

export const jobId = (appId: string, name: string) => `${appId}:${name}`;

/** Jobs (with the scheduler's position) and their run history, on SQLite or PostgreSQL. */
export function createCronStore(database: Database) {
  const t = (database.dialect === "postgres" ? pgSchema : sqliteSchema) as unknown as Tables;
  const { db } = database;
  const j = t.cronJobs;
  const r = t.cronRuns;

  return {
    listJobs: (): Promise<CronJobRow[]> => db.select().from(j),
    listJobsOfApp: (appId: string): Promise<CronJobRow[]> => db.select().from(j).where(eq(j.appId, appId)),
    async findJob(appId: string, name: string): Promise<CronJobRow | undefined> {
      return (
        await db
          .select()
          .from(j)
          .where(eq(j.id, jobId(appId, name)))
      )[0];
    },
    /**
     * Makes the app's jobs what its release declares: new ones start counting from `now` (no run
     * for times before they existed), changed ones keep their position, removed ones go.
     */
    async syncApp(appId: string, jobs: CronJob[], now: Date): Promise<void> {
      const names = jobs.map((job) => job.name);
      await db
        .delete(j)
        .where(names.length ? and(eq(j.appId, appId), notInArray(j.name, names)) : eq(j.appId, appId));
      for (const job of jobs) {
        await db
          .insert(j)
          .values({
            id: jobId(appId, job.name),
            appId,
            name: job.name,
            definition: job,
            lastScheduledAt: now,
          })
          .onConflictDoUpdate({ target: j.id, set: { definition: job } });
      }
    },
    /** Jobs and history of apps that no longer exist. */
    async forgetAppsExcept(appIds: string[]): Promise<void> {
      if (appIds.length === 0) {
        await db.delete(j);
        await db.delete(r);
        return;
      }
      await db.delete(j).where(notInArray(j.appId, appIds));
      await db.delete(r).where(notInArray(r.appId, appIds));
    },
    /**
     * Moves a job's position from `from` to `to` only if nobody moved it first: the one guard that
     * a scheduled time runs once, even with two schedulers briefly overlapping.
     */
    async claim(id: string, from: Date, to: Date): Promise<boolean> {
      const rows = await db
        .update(j)
        .set({ lastScheduledAt: to })
        .where(and(eq(j.id, id), eq(j.lastScheduledAt, from)))
        .returning({ id: j.id });
      return rows.length > 0;
    },

    async startRun(run: {
      id: string;
      appId: string;
      job: string;
      trigger: RunTrigger;
      attempt: number;
      scheduledAt: Date | null;
      status?: RunStatus;
      error?: string | null;
    }): Promise<CronRunRow> {
      const now = new Date();
      const skipped = run.status === "skipped";
      const [row] = await db
        .insert(r)
        .values({
          ...run,
          status: run.status ?? "running",
          startedAt: now,
          finishedAt: skipped ? now : null,
          durationMs: skipped ? 0 : null,
          output: [],
          error: run.error ?? null,
        })
        .returning();
      return row!;
    },
    async finishRun(
      id: string,
      result: {
        status: RunStatus;
        exitCode: number | null;
        httpStatus: number | null;
        durationMs: number;
        output: string[];
        error: string | null;
        deploymentId: string | null;
      },
    ): Promise<void> {
      await db
        .update(r)
        .set({ ...result, finishedAt: new Date() })
        .where(eq(r.id, id));
    },
    async findRun(appId: string, id: string): Promise<CronRunRow | undefined> {
      return (
        await db
          .select()
          .from(r)
          .where(and(eq(r.id, id), eq(r.appId, appId)))
      )[0];
    },
    async history(appId: string, options: { job?: string; limit: number }): Promise<CronRunRow[]> {
      return db
        .select()
        .from(r)
        .where(options.job ? and(eq(r.appId, appId), eq(r.job, options.job)) : eq(r.appId, appId))
        .orderBy(desc(r.startedAt), desc(r.id))
        .limit(options.limit);
    },
    /** Runs a stopped pier left "running": nobody will finish them. */
    async interruptRunning(): Promise<number> {
      const rows = await db
        .update(r)
        .set({ status: "interrupted", finishedAt: new Date(), error: "pier stopped during this run" })
        .where(inArray(r.status, ["running"]))
        .returning({ id: r.id });
      return rows.length;
    },
    /** Keeps the newest `keep` runs of every job. */
    async prune(appId: string, job: string, keep: number): Promise<void> {
      const old = await db
        .select({ id: r.id })
        .from(r)
        .where(and(eq(r.appId, appId), eq(r.job, job)))
        .orderBy(desc(r.startedAt), desc(r.id))
        .offset(keep);
      if (old.length)
        await db.delete(r).where(
          inArray(
            r.id,
            old.map((o) => o.id),
          ),
        );
    },
  };
}

export type CronStore = ReturnType<typeof createCronStore>;
