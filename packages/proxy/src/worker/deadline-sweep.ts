/**
 * The thread's open client connections, swept by one timer for a passed deadline (a response
 * head, a request head or body, a client that takes no bytes, a held request, a tunnel's close).
 * Membership changes per connection, not per request: a set entry per exchange cost a native call
 * each way.
 */

/** A client connection with up to three deadlines running; each is 0 when it is not running. */
export interface DeadlineWatched {
  /** When the proxy's own wait is over (performance.now() ms): a response head, a held request, a close. */
  deadline: number;
  timedOut(): void;
  /**
   * When the client is late sending: a request head being received (or a first one), or the next
   * bytes of a request body being read.
   */
  readDeadline: number;
  readTimedOut(): void;
  /** When the client is late taking bytes queued for it (no progress since the last it took). */
  writeDeadline: number;
  writeTimedOut(): void;
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
      // The client's lateness first: a body that stopped arriving is a 408, even when the upstream
      // deadline (restarted by the same last body byte) passes in the same sweep.
      if (c.readDeadline !== 0 && c.readDeadline <= now) c.readTimedOut();
      if (c.deadline !== 0 && c.deadline <= now) c.timedOut();
      if (c.writeDeadline !== 0 && c.writeDeadline <= now) c.writeTimedOut();
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
