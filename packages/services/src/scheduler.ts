import type { ServiceBackups } from "./backups.ts";
import type { ServicesContext } from "./context.ts";
import { nextRun, parseSchedule } from "./schedule.ts";

/**
 * Runs scheduled backups. Every minute it looks at each service with a schedule and starts the
 * ones whose next run (after their last scheduled backup) has come; one at a time, so two dumps
 * never compete for the disk.
 */
export class BackupScheduler {
  private timer: ReturnType<typeof setInterval> | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly ctx: ServicesContext,
    private readonly backups: ServiceBackups,
    private readonly everyMs = 60_000,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.everyMs);
    this.timer.unref();
  }

  async tick(now = new Date()): Promise<void> {
    if (this.running) return;
    this.running = this.runDue(now).finally(() => {
      this.running = undefined;
    });
    await this.running;
  }

  private async runDue(now: Date): Promise<void> {
    for (const row of await this.ctx.store.services.withSchedule()) {
      const schedule = parseSchedule(row.backupSchedule ?? "");
      if (!schedule || row.status !== "running") continue;
      const [last] = (await this.ctx.store.backups.list({ serviceName: row.name, limit: 50 })).filter(
        (b) => b.trigger === "schedule",
      );
      // Without a scheduled backup yet, count from the service's creation.
      const due = nextRun(schedule, last?.startedAt ?? row.createdAt, last?.startedAt ?? row.createdAt);
      if (due > now) continue;
      await this.backups
        .backupService(row.name, { trigger: "schedule" })
        .catch((error) => this.ctx.logger.warn("scheduled backup not started", { service: row.name, error }));
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
