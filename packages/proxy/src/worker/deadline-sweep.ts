/**
 * The thread's open client connections, swept by one timer for a passed deadline (a response
 * head, a request head, a held request, a tunnel's close).
 * Membership changes per connection, not per request: a set entry per exchange cost a native call
 * each way.
 */

/** A connection that may be waiting for a response head, or for its client's request head. */
export interface DeadlineWatched {
  /** When the awaited response head is late (performance.now() ms); 0 when none is awaited. */
  deadline: number;
  timedOut(): void;
  /** When the request head being received is late; 0 when none is (between keep-alive requests). */
  headDeadline: number;
  headTimedOut(): void;
}

const SWEEP_INTERVAL_MS = 50;
const watched = new Set<DeadlineWatched>();
let sweepTimer: Timer | null = null;

export function watchDeadline(conn: DeadlineWatched): void {
  watched.add(conn);
  if (sweepTimer !== null) return;
  sweepTimer = setInterval(() => {
    const now = performance.now();
    for (const c of watched) {
      if (c.deadline !== 0 && c.deadline <= now) c.timedOut();
      if (c.headDeadline !== 0 && c.headDeadline <= now) c.headTimedOut();
    }
  }, SWEEP_INTERVAL_MS);
  sweepTimer.unref?.();
}

export function unwatchDeadline(conn: DeadlineWatched): void {
  watched.delete(conn);
  // No connection left to watch: the sweep stops until the next one, rather than waking the
  // thread 20 times a second for nothing.
  if (watched.size === 0 && sweepTimer !== null) {
    clearInterval(sweepTimer);
    sweepTimer = null;
  }
}

/** Every open client connection of this thread (a shutdown drains them). */
export function openConnections(): ReadonlySet<DeadlineWatched> {
  return watched;
}
