import { hostname } from "node:os";
import type { Logger } from "@pier/core";
import { type HeldLease, holdLease, type LeaseStore } from "@pier/db";

/**
 * Work only one pier process may do at a time on one database: schedulers (uptime checks,
 * backups, certificate renewal), the deploy engine's repairs after a restart and its watchers.
 * Two processes overlap during an upgrade's hand-over (and could share a PostgreSQL): the one
 * holding the `pier.primary` lease does that work, the other serves requests and waits.
 */
export interface PrimaryRole {
  /**
   * True while this process holds the role and may begin new work only one pier may do (a
   * deploy): false while it prepares to hand the role over, and in a successor until it has it.
   */
  held(): boolean;
  /**
   * Runs `start` each time this process becomes primary (at once when it is) and what `start`
   * returned each time it stops being primary (a hand-over, the lease lost, pier stopping).
   * The returned function unregisters (stopping the work if it runs).
   */
  run(name: string, start: () => PrimaryWorkStop | undefined): () => Promise<void>;
}

export type PrimaryWorkStop = () => void | Promise<void>;

/** The lease every piece of primary work hangs off. */
export const PRIMARY_LEASE = "pier.primary";

/** `host:pid:nonce`: unique per process, and says where it runs so a dead holder can be recognised. */
export function primaryHolderId(host: string, pid: number, nonce: string): string {
  return `${host}:${pid}:${nonce}`;
}

/**
 * Whether a lease left by `holder` belongs to a process that is gone: one of this host that no
 * longer runs (a pier killed without releasing). Its lease would otherwise block the next start
 * until it expires. Holders on other hosts are never judged. Pure apart from `alive`.
 */
export function holderIsGone(holder: string, host: string, alive: (pid: number) => boolean): boolean {
  const match = /^(.*):(\d+):[^:]+$/.exec(holder);
  if (!match || match[1] !== host) return false;
  return !alive(Number(match[2]));
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

interface Work {
  name: string;
  start: () => PrimaryWorkStop | undefined;
  stop: PrimaryWorkStop | undefined;
}

/** The role as `pier serve` drives it: when to compete for the lease, and when to give it up. */
export interface PrimaryRoleControl extends PrimaryRole {
  /**
   * Starts competing for the lease: a fresh start does at once (and waits for its first attempt),
   * a successor only once its predecessor released the role or went away.
   */
  compete(): Promise<void>;
  /** Stops the primary work and releases the lease, so a successor takes it at once. */
  release(): Promise<void>;
  /**
   * From now on `held()` is false (no new deploy begins) while work already running goes on: a
   * hand-over is being prepared. The returned function undoes it (the hand-over failed).
   */
  prepareHandover(): () => void;
}

export function createPrimaryRole(options: {
  leases: LeaseStore;
  logger: Logger;
  ttlMs?: number;
  host?: string;
}): PrimaryRoleControl {
  const log = options.logger.child({ component: "primary" });
  const host = options.host ?? hostname();
  const holder = primaryHolderId(host, process.pid, crypto.randomUUID().slice(0, 8));
  const works = new Set<Work>();
  let isPrimary = false;
  let released = false;
  let lease: HeldLease | null = null;
  let preparing = false;

  const startWork = (work: Work) => {
    try {
      work.stop = work.start();
    } catch (error) {
      log.error("primary work did not start", { work: work.name, error });
    }
  };
  const stopWork = async (work: Work) => {
    const stop = work.stop;
    work.stop = undefined;
    try {
      await stop?.();
    } catch (error) {
      log.warn("primary work did not stop cleanly", { work: work.name, error });
    }
  };

  return {
    held: () => isPrimary && !preparing,
    prepareHandover() {
      preparing = true;
      return () => {
        preparing = false;
      };
    },
    run(name, start) {
      const work: Work = { name, start, stop: undefined };
      works.add(work);
      if (isPrimary) startWork(work);
      return async () => {
        works.delete(work);
        await stopWork(work);
      };
    },
    async compete() {
      if (lease !== null || released) return;
      const current = await options.leases.find(PRIMARY_LEASE).catch(() => undefined);
      let free = current === undefined || current.expiresAt.getTime() < Date.now();
      if (current && !free && holderIsGone(current.holder, host, processAlive)) {
        log.info("the primary lease of a pier that is gone is taken over", { previous: current.holder });
        await options.leases.release(PRIMARY_LEASE, current.holder).catch(() => {});
        free = true;
      }
      let first: () => void = () => {};
      const attempted = new Promise<void>((resolve) => {
        first = resolve;
      });
      lease = holdLease({
        leases: options.leases,
        name: PRIMARY_LEASE,
        holder,
        ttlMs: options.ttlMs,
        onAcquired() {
          isPrimary = true;
          log.info("this process is the primary: it runs the schedulers");
          for (const work of works) startWork(work);
          first();
        },
        onLost() {
          isPrimary = false;
          if (released) return;
          log.warn("the primary role was lost: schedulers stop until it is taken again");
          for (const work of works) void stopWork(work);
        },
        onError(error) {
          log.warn("the primary lease could not be renewed", { error });
          first();
        },
      });
      // A free lease is taken before the modules start, so they find the role settled; one held
      // by a live process is retried in the background until it is released or expires.
      if (free) await Promise.race([attempted, Bun.sleep(2_000)]);
    },
    async release() {
      released = true;
      const held = lease;
      lease = null;
      isPrimary = false;
      await Promise.all([...works].map(stopWork));
      await held?.stop();
    },
  };
}
