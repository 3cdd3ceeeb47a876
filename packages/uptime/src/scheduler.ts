export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const timer = setTimeout(fn, ms);
    // Pending checks must never keep a stopping process alive.
    (timer as { unref?: () => void }).unref?.();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

interface Job {
  id: string;
  intervalMs: number;
  dueAt: number;
  running: boolean;
}

/** A stable offset in [0, interval) per monitor, so slots survive restarts and spread across the interval. */
export function phaseOf(id: string, intervalMs: number): number {
  let hash = 2166136261;
  for (let i = 0; i < id.length; i++) hash = Math.imul(hash ^ id.charCodeAt(i), 16777619);
  return (hash >>> 0) % intervalMs;
}

/** The first slot strictly after `after` for this monitor: slots are phase + k·interval. */
export function nextSlot(id: string, intervalMs: number, after: number): number {
  const phase = phaseOf(id, intervalMs);
  return Math.floor((after - phase) / intervalMs) * intervalMs + phase + intervalMs;
}

export interface SchedulerOptions {
  clock?: Clock;
  /** Checks in flight at once; more due checks wait their turn. */
  concurrency: number;
  run(id: string): Promise<unknown>;
  onError?(id: string, error: unknown): void;
}

/**
 * Runs each monitor on its own slot grid (no thundering herd after a restart: every monitor keeps
 * its phase), with one timer for the earliest due job and a cap on concurrent checks. A check that
 * is still running when its next slot comes skips that slot instead of piling up.
 */
export class CheckScheduler {
  private readonly jobs = new Map<string, Job>();
  private readonly clock: Clock;
  private timer: unknown;
  private timerAt = Number.POSITIVE_INFINITY;
  private inFlight = 0;
  private stopped = false;
  private readonly idle = new Set<() => void>();

  constructor(private readonly options: SchedulerOptions) {
    this.clock = options.clock ?? systemClock;
  }

  /** Adds or reschedules a monitor. `runSoon` puts it first in line (a new or edited monitor). */
  upsert(id: string, intervalMs: number, runSoon = false): void {
    const existing = this.jobs.get(id);
    const now = this.clock.now();
    const dueAt = runSoon ? now : nextSlot(id, intervalMs, now);
    if (existing) {
      existing.intervalMs = intervalMs;
      existing.dueAt = dueAt;
    } else {
      this.jobs.set(id, { id, intervalMs, dueAt, running: false });
    }
    this.arm();
  }

  remove(id: string): void {
    this.jobs.delete(id);
  }

  has(id: string): boolean {
    return this.jobs.has(id);
  }

  get running(): number {
    return this.inFlight;
  }

  dueAt(id: string): number | undefined {
    return this.jobs.get(id)?.dueAt;
  }

  /** Stops timers and resolves when in-flight checks are done. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    if (this.inFlight > 0) await new Promise<void>((resolve) => this.idle.add(resolve));
  }

  /**
   * Forgets every job and runs again after `stop`: this pier has the primary role again and
   * schedules the monitors it reads anew (docs/architecture.md, Upgrades).
   */
  resume(): void {
    this.stopped = false;
    this.jobs.clear();
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
  }

  /** Starts every due job that fits under the concurrency cap, earliest first. */
  tick(): void {
    if (this.stopped) return;
    const now = this.clock.now();
    const due = [...this.jobs.values()]
      .filter((j) => !j.running && j.dueAt <= now)
      .sort((a, b) => a.dueAt - b.dueAt);
    for (const job of due) {
      if (this.inFlight >= this.options.concurrency) break;
      this.start(job, now);
    }
    this.arm();
  }

  private start(job: Job, now: number): void {
    job.running = true;
    job.dueAt = nextSlot(job.id, job.intervalMs, now);
    this.inFlight++;
    this.options
      .run(job.id)
      .catch((error) => this.options.onError?.(job.id, error))
      .finally(() => {
        job.running = false;
        this.inFlight--;
        // A slot that passed while the check ran is skipped, not run late in a burst.
        const after = this.clock.now();
        if (job.dueAt <= after) job.dueAt = nextSlot(job.id, job.intervalMs, after);
        if (this.inFlight === 0) for (const resolve of this.idle) resolve();
        this.tick();
      });
  }

  private arm(): void {
    if (this.stopped) return;
    const now = this.clock.now();
    // At the cap, due jobs start when a running one finishes; a timer for them would spin.
    const saturated = this.inFlight >= this.options.concurrency;
    let earliest = Number.POSITIVE_INFINITY;
    for (const job of this.jobs.values()) {
      if (job.running || (saturated && job.dueAt <= now)) continue;
      if (job.dueAt < earliest) earliest = job.dueAt;
    }
    if (earliest === Number.POSITIVE_INFINITY || earliest >= this.timerAt) return;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timerAt = earliest;
    this.timer = this.clock.setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Number.POSITIVE_INFINITY;
        this.tick();
      },
      Math.max(0, earliest - now),
    );
  }
}
