import { type Logger, NotFoundError, newId } from "@pier/core";
import { type AppRow, type HeldLease, holdLease, type Stores } from "@pier/db";
import type { NotificationEvent } from "@pier/notify";
import { type CronJob, cronJobSchema, jobsOfRelease, type RunTrigger } from "./job.ts";
import { planTick } from "./plan.ts";
import { type RunnerDeps, runJob } from "./runner.ts";
import { parseSchedule, type Schedule } from "./schedule.ts";
import { type CronSettings, cronDefaults } from "./settings.ts";
import type { CronJobRow, CronRunRow, CronStore } from "./store.ts";

export interface CronServiceDeps extends RunnerDeps {
  stores: Stores;
  cron: CronStore;
  logger: Logger;
  settings: CronSettings;
  notify(event: NotificationEvent): void;
  /** Unique per pier process: who holds the scheduler's lease. */
  holder: string;
  now?: () => Date;
}

export interface JobView {
  job: CronJob;
  nextRunAt: Date | null;
  lastRun: CronRunRow | null;
  running: boolean;
}

interface Pending {
  app: AppRow;
  job: CronJob;
  trigger: RunTrigger;
  scheduledAt: Date | null;
}

/**
 * The cron scheduler: jobs come from the apps' live production releases, due times are claimed in
 * the database (compare-and-set on the job's position) and run as one-off containers of the
 * current release or requests to the app's route. Only the holder of the `cron.scheduler` lease
 * runs schedules; manual runs and the API work in any process.
 */
export class CronService {
  private lease: HeldLease | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private syncTimer: ReturnType<typeof setInterval> | undefined;
  private ticking = false;
  private readonly schedules = new Map<string, { key: string; schedule: Schedule }>();
  /** Job id -> runs in progress (a retry's wait included). */
  private readonly active = new Map<string, number>();
  private readonly queued = new Map<string, Pending[]>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly now: () => Date;

  constructor(private readonly deps: CronServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  start(): void {
    this.lease = holdLease({
      leases: this.deps.stores.leases,
      name: "cron.scheduler",
      holder: this.deps.holder,
      ttlMs: cronDefaults.leaseTtlMs,
      onAcquired: () => void this.begin(),
      onLost: () => this.pause(),
      onError: (error) => this.deps.logger.warn("cron lease not renewed", { error }),
    });
  }

  async stop(): Promise<void> {
    await this.lease?.stop();
    this.pause();
    // Runs in progress finish (their containers run on); the next scheduler marks any it finds
    // unfinished as interrupted.
  }

  /** Waits for runs started by this process (tests). */
  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  private async begin(): Promise<void> {
    const log = this.deps.logger;
    log.info("cron scheduler running in this process");
    const interrupted = await this.deps.cron.interruptRunning().catch(() => 0);
    if (interrupted) log.warn("cron runs cut off by a restart marked interrupted", { interrupted });
    await this.syncAll().catch((error) => log.warn("cron jobs not read from the releases", { error }));
    this.timer = setInterval(() => void this.tick(), this.deps.settings.tickMs);
    this.syncTimer = setInterval(() => void this.syncAll().catch(() => {}), cronDefaults.syncMs);
    void this.tick();
  }

  private pause(): void {
    clearInterval(this.timer);
    clearInterval(this.syncTimer);
    this.timer = undefined;
    this.syncTimer = undefined;
  }

  /** Reads every app's jobs from its live production release. */
  async syncAll(): Promise<void> {
    const apps = await this.deps.stores.apps.list();
    await this.deps.cron.forgetAppsExcept(apps.map((a) => a.id));
    for (const app of apps) await this.syncApp(app);
  }

  async syncApp(app: AppRow): Promise<void> {
    const { stores } = this.deps;
    const production = await stores.environments.findByName(app.id, "production");
    const current = production?.currentDeploymentId
      ? await stores.deployments.findById(production.currentDeploymentId)
      : undefined;
    if (!current) return;
    const { jobs, invalid } = jobsOfRelease(current.meta);
    if (invalid)
      this.deps.logger.warn("cron jobs of a release could not be read", { app: app.name, invalid });
    await this.deps.cron.syncApp(app.id, jobs, this.now());
  }

  private scheduleOf(row: CronJobRow, job: CronJob): Schedule {
    const key = `${job.schedule}|${job.timezone}`;
    const cached = this.schedules.get(row.id);
    if (cached?.key === key) return cached.schedule;
    const schedule = parseSchedule(job.schedule, {
      timezone: job.timezone,
      seconds: this.deps.settings.seconds,
    });
    this.schedules.set(row.id, { key, schedule });
    return schedule;
  }

  private async tick(): Promise<void> {
    if (this.ticking || !this.timer) return;
    this.ticking = true;
    try {
      const now = this.now();
      const rows = await this.deps.cron.listJobs();
      if (rows.length === 0) return;
      const apps = new Map((await this.deps.stores.apps.list()).map((a) => [a.id, a]));
      for (const row of rows) {
        const app = apps.get(row.appId);
        const job = cronJobSchema.safeParse(row.definition);
        if (!app || !job.success) continue;
        let schedule: Schedule;
        try {
          schedule = this.scheduleOf(row, job.data);
        } catch (error) {
          this.deps.logger.warn("cron schedule not understood", { app: app.name, job: row.name, error });
          continue;
        }
        const plan = planTick(schedule, row.lastScheduledAt, now, job.data.catch_up);
        if (!plan.advanceTo) continue;
        if (!(await this.deps.cron.claim(row.id, row.lastScheduledAt, plan.advanceTo))) continue;
        if (plan.missed)
          this.deps.logger.warn("cron runs missed while pier was down or busy", {
            app: app.name,
            job: row.name,
            missed: plan.missed,
            caughtUp: plan.run?.trigger === "catch_up",
          });
        if (plan.run) await this.dispatch({ app, job: job.data, ...plan.run });
      }
    } catch (error) {
      this.deps.logger.warn("cron tick failed", { error });
    } finally {
      this.ticking = false;
    }
  }

  /** Applies the job's overlap policy, then runs it. */
  private async dispatch(pending: Pending): Promise<void> {
    const id = `${pending.app.id}:${pending.job.name}`;
    if ((this.active.get(id) ?? 0) > 0) {
      if (pending.job.overlap === "queue") {
        const queue = this.queued.get(id) ?? [];
        if (queue.length < cronDefaults.queueLimit) {
          queue.push(pending);
          this.queued.set(id, queue);
          return;
        }
      }
      await this.deps.cron.startRun({
        id: newId("cron"),
        appId: pending.app.id,
        job: pending.job.name,
        trigger: pending.trigger,
        attempt: 1,
        scheduledAt: pending.scheduledAt,
        status: "skipped",
        error:
          pending.job.overlap === "queue"
            ? "too many runs queued behind the running one"
            : "the previous run was still running (overlap = skip)",
      });
      return;
    }
    this.launch(pending);
  }

  /** Starts a run (with its retries) in the background; returns its first history row. */
  private launch(pending: Pending): Promise<CronRunRow> {
    const id = `${pending.app.id}:${pending.job.name}`;
    this.active.set(id, (this.active.get(id) ?? 0) + 1);
    let first!: (row: CronRunRow) => void;
    const firstRow = new Promise<CronRunRow>((resolve) => {
      first = resolve;
    });
    const work = this.runWithRetries(pending, first)
      .catch((error) => this.deps.logger.error("cron run crashed", { job: pending.job.name, error }))
      .finally(() => {
        this.active.set(id, (this.active.get(id) ?? 1) - 1);
        const next = this.queued.get(id)?.shift();
        if (next) this.launch(next);
      });
    this.inFlight.add(work);
    work.finally(() => this.inFlight.delete(work));
    return firstRow;
  }

  private async runWithRetries(pending: Pending, first: (row: CronRunRow) => void): Promise<void> {
    const { app, job } = pending;
    const log = this.deps.logger;
    for (let attempt = 1; ; attempt++) {
      const row = await this.deps.cron.startRun({
        id: newId("cron"),
        appId: app.id,
        job: job.name,
        trigger: attempt === 1 ? pending.trigger : "retry",
        attempt,
        scheduledAt: pending.scheduledAt,
      });
      if (attempt === 1) first(row);
      const outcome = await runJob(this.deps, app.name, job);
      await this.deps.cron.finishRun(row.id, outcome);
      await this.deps.cron.prune(app.id, job.name, cronDefaults.historyPerJob).catch(() => {});
      if (outcome.status === "succeeded") return;
      log.warn("cron run failed", {
        app: app.name,
        job: job.name,
        run: row.id,
        attempt,
        error: outcome.error,
      });
      if (attempt > job.retries) {
        this.deps.notify({
          kind: "cron.failed",
          app: app.name,
          job: job.name,
          runId: row.id,
          reason: outcome.error ?? "failed",
          attempts: attempt,
          output: outcome.output.slice(-10),
        });
        return;
      }
      await Bun.sleep(Math.min(this.deps.settings.retryBaseMs * 2 ** (attempt - 1), 5 * 60_000));
    }
  }

  /** `pier cron run NAME`: runs now, whatever the schedule; answers with the run's row at once. */
  async runNow(app: AppRow, name: string): Promise<CronRunRow> {
    await this.syncApp(app);
    const row = await this.deps.cron.findJob(app.id, name);
    const job = row && cronJobSchema.safeParse(row.definition);
    if (!row || !job?.success) throw new NotFoundError("Cron job", name);
    return this.launch({ app, job: job.data, trigger: "manual", scheduledAt: null });
  }

  async listJobs(app: AppRow): Promise<JobView[]> {
    const rows = await this.deps.cron.listJobsOfApp(app.id);
    const now = this.now();
    const views: JobView[] = [];
    for (const row of rows.sort((a, b) => a.name.localeCompare(b.name))) {
      const job = cronJobSchema.safeParse(row.definition);
      if (!job.success) continue;
      const [lastRun] = await this.deps.cron.history(app.id, { job: row.name, limit: 1 });
      let nextRunAt: Date | null = null;
      try {
        const from = new Date(Math.max(row.lastScheduledAt.getTime(), now.getTime()));
        nextRunAt = this.scheduleOf(row, job.data).next(from);
      } catch {
        nextRunAt = null;
      }
      views.push({
        job: job.data,
        nextRunAt,
        lastRun: lastRun ?? null,
        running: (this.active.get(row.id) ?? 0) > 0 || lastRun?.status === "running",
      });
    }
    return views;
  }
}
