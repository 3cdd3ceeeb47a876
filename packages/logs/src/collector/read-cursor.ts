/**
 * Which lines of a container's log a read stores, and the cursor it leaves. Stamps are Docker's
 * normalised RFC 3339 stamps (docker-timestamp.ts), which compare as strings. A read resumes from
 * the cursor of the last one with the Engine's `since`, in whole seconds, so the lines of the
 * cursor's second come again: those up to the cursor were stored and are skipped. Within a read
 * the stamps are not in order: the Engine stamps stdout and stderr lines as it reads each pipe, so a
 * stderr line can follow a stdout line stamped after it, and it is new all the same. The cursor
 * moves only forward. Pure.
 */
export class ReadCursor {
  private newest: string | null;

  constructor(private readonly resumedAt: string | null) {
    this.newest = resumedAt;
  }

  /** Whether a line stamped `stamp` is new to this container's stored log; moves the cursor. */
  take(stamp: string): boolean {
    if (this.resumedAt !== null && stamp <= this.resumedAt) return false;
    if (this.newest === null || stamp > this.newest) this.newest = stamp;
    return true;
  }

  /** The newest stamp taken (or the one resumed from): where the next read resumes. */
  get cursor(): string | null {
    return this.newest;
  }
}
