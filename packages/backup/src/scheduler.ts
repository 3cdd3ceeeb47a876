import type { Logger } from "@pier/core";
import { dueSlot, parseSchedule } from "./schedule.ts";
import type { BackupService } from "./service.ts";

const tickMs = 30_000;

/**
 * Runs the scheduled backups: every 30 s it asks whether a slot is due (schedule.ts) and makes
 * that backup. The run's row, unique per slot, is the lock: when two pier processes overlap (an
 * upgrade), the one whose insert wins makes it and the other skips the slot.
 */
export class BackupScheduler {
  private timer: ReturnType<typeof setInterval> | undefined;
  private ticking: Promise<void> | undefined;

  constructor(
    private readonly backups: BackupService,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), tickMs);
    this.timer.unref();
    void this.tick();
  }

  /** One look at the schedule; resolves when a backup it started is done. */
  tick(): Promise<void> {
    this.ticking ??= this.check()
      .catch((error) => this.logger.warn("backup schedule check failed", { error }))
      .finally(() => {
        this.ticking = undefined;
      });
    return this.ticking;
  }

  private async check(): Promise<void> {
    await this.backups.sweepStale(this.now());
    const settings = await this.backups.settings();
    const schedule = parseSchedule(settings.schedule);
    if (!schedule || schedule.kind === "off") return;
    const slot = dueSlot(schedule, this.now(), new Date(settings.scheduleSetAt), () => false);
    if (!slot || (await this.backups.runs.hasSlot(slot.toISOString()))) return;
    this.logger.info("scheduled backup starting", { slot: slot.toISOString() });
    await this.backups.run({ trigger: "schedule", slot: slot.toISOString() }).catch((error) => {
      // A manual backup running now: the slot stays due and the next tick takes it.
      this.logger.info("scheduled backup postponed", { reason: (error as Error).message });
    });
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
  }
}
