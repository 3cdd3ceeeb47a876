import type { IngestRecord } from "./records.ts";

export interface WriteQueueOptions {
  capacity: number;
  batchSize: number;
  flushIntervalMs: number;
  write(batch: IngestRecord[]): Promise<void>;
  /** A batch that failed for another reason than full storage: it is not retried. */
  onError(error: unknown, lost: number): void;
  /** Whether a failed write ran out of storage: that batch is kept and retried on the timer. */
  isStorageFull?(error: unknown): boolean;
  /** The queue started refusing offers because storage is full (with the error), or stopped. */
  onStorageFullChange?(full: boolean, error?: unknown): void;
}

export interface WriteQueueStats {
  queued: number;
  written: number;
  dropped: number;
  failed: number;
  /** Offers refused (buffer or storage full): the endpoint answered 503, nothing was acknowledged. */
  refused: number;
  storageFull: boolean;
}

/**
 * Bounded buffer between the ingest endpoint and the store. `offer` never waits: when the store
 * falls behind and the buffer is full, offers are refused (the sender gets a 503) and counted
 * rather than slowing beacons (and with them the proxy's connections).
 *
 * When a write fails because storage is full, the batch is kept (never more than `capacity`
 * records in all) and retried on every tick of the timer; meanwhile `offer` refuses, so nothing
 * is acknowledged that may not be kept. The first write that succeeds ends that state by itself.
 */
export class WriteQueue {
  private buffer: IngestRecord[] = [];
  private inFlight = 0;
  private flushing: Promise<void> | null = null;
  private full = false;
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly stats = { written: 0, dropped: 0, failed: 0, refused: 0 };

  constructor(private readonly options: WriteQueueOptions) {
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs);
    this.timer.unref?.();
  }

  /** Whether storage was full at the last write: offers are refused until a write succeeds. */
  get storageFull(): boolean {
    return this.full;
  }

  /** Queues a record the caller has not acknowledged yet; false (counted as refused) when it must not be. */
  offer(record: IngestRecord): boolean {
    if (this.full || this.atCapacity()) {
      this.stats.refused++;
      return false;
    }
    this.push(record);
    return true;
  }

  /**
   * Queues a record that was acknowledged already (beacons the proxy workers answered): it is
   * taken while storage is full too, and dropped (counted) only when the buffer is full.
   */
  keep(record: IngestRecord): boolean {
    if (this.atCapacity()) {
      this.stats.dropped++;
      return false;
    }
    this.push(record);
    return true;
  }

  private atCapacity(): boolean {
    return this.buffer.length + this.inFlight >= this.options.capacity;
  }

  private push(record: IngestRecord): void {
    this.buffer.push(record);
    if (!this.full && this.buffer.length >= this.options.batchSize && this.flushing === null)
      void this.flush();
  }

  /** Writes everything buffered so far; concurrent callers share one write in flight. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    this.inFlight = batch.length;
    this.flushing = this.options
      .write(batch)
      .then(() => {
        this.stats.written += batch.length;
        this.setFull(false);
      })
      .catch((error) => {
        if (this.options.isStorageFull?.(error)) {
          // Kept ahead of what arrived meanwhile, so events are written in the order they came.
          this.buffer = batch.concat(this.buffer);
          this.setFull(true, error);
          return;
        }
        this.stats.failed += batch.length;
        this.options.onError(error, batch.length);
      })
      .finally(() => {
        this.inFlight = 0;
        this.flushing = null;
      });
    await this.flushing;
  }

  snapshot(): WriteQueueStats {
    return { ...this.stats, queued: this.buffer.length + this.inFlight, storageFull: this.full };
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    await this.flush();
    if (this.buffer.length > 0) {
      // Still no room at shutdown: what is kept in memory goes with the process.
      this.stats.failed += this.buffer.length;
      this.options.onError(new Error("storage still full at shutdown"), this.buffer.length);
      this.buffer = [];
    }
  }

  private setFull(full: boolean, error?: unknown): void {
    if (this.full === full) return;
    this.full = full;
    this.options.onStorageFullChange?.(full, error);
  }
}
