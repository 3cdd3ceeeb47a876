import type { LeaseStore } from "./stores/leases.ts";

export interface HoldLeaseOptions {
  leases: LeaseStore;
  /** What is being held, e.g. "cron.scheduler". */
  name: string;
  /** Who holds it: unique per process (a pier start), e.g. an id made at start. */
  holder: string;
  /** How long a lease lasts without renewal; the holder renews every ttlMs / 3. Default 15 s. */
  ttlMs?: number;
  /** The lease was taken: start the work only one process may do. */
  onAcquired(): void;
  /** The lease was lost (a renewal failed or someone else took it after it expired): stop that work. */
  onLost(): void;
  onError?(error: unknown): void;
}

export interface HeldLease {
  held(): boolean;
  /** Stops renewing and releases the lease if held (the next process takes it at once). */
  stop(): Promise<void>;
}

/**
 * Keeps trying to take a named lease and renews it while held: the small piece that lets only one
 * pier process run a scheduler while two overlap (a zero-downtime upgrade, a second pier on the
 * same PostgreSQL). A holder that stops renewing (crashed, frozen) loses it after ttlMs.
 */
export function holdLease(options: HoldLeaseOptions): HeldLease {
  const ttlMs = options.ttlMs ?? 15_000;
  let held = false;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> = Promise.resolve();

  const attempt = async () => {
    let won = false;
    try {
      won = await options.leases.acquire(options.name, options.holder, ttlMs);
    } catch (error) {
      options.onError?.(error);
    }
    if (stopped) return;
    if (won && !held) {
      held = true;
      options.onAcquired();
    } else if (!won && held) {
      held = false;
      options.onLost();
    }
  };
  const loop = () => {
    running = attempt().finally(() => {
      if (!stopped) timer = setTimeout(loop, held ? ttlMs / 3 : ttlMs / 2);
    });
  };
  loop();

  return {
    held: () => held,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      if (held) {
        held = false;
        options.onLost();
        await options.leases.release(options.name, options.holder).catch((error) => options.onError?.(error));
      }
    },
  };
}
