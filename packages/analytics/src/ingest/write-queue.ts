import type { IngestRecord } from "./records.ts";

export interface WriteQueueOptions {
  capacity: number;
  batchSize: number;
  flushIntervalMs: number;
  write(batch: IngestRecord[]): Promise<void>;
  onError(error: unknown, lost: number): void;
}

export interface WriteQueueStats {
  queued: number;
  written: number;
  dropped: number;
  failed: number;
}

/**
 * Bounded buffer between the ingest endpoint and the store. `offer` never waits: when the store
 * falls behind and the buffer is full, events are dropped and counted rather than slowing beacons
 * (and with them the proxy's connections).
 */
export class WriteQueue {
  private buffer: IngestRecord[] = [];
  private flushing: Promise<void> | null = null;
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly stats: WriteQueueStats = { queued: 0, written: 0, dropped: 0, failed: 0 };

  constructor(private readonly options: WriteQueueOptions) {
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs);
    this.timer.unref?.();
  }

  offer(record: IngestRecord): boolean {
    if (this.buffer.length >= this.options.capacity) {
      this.stats.dropped++;
      return false;
    }
    this.buffer.push(record);
    if (this.buffer.length >= this.options.batchSize && this.flushing === null) void this.flush();
    return true;
  }

  /** Writes everything buffered so far; concurrent callers share one write in flight. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    this.flushing = this.options
      .write(batch)
      .then(() => {
        this.stats.written += batch.length;
      })
      .catch((error) => {
        this.stats.failed += batch.length;
        this.options.onError(error, batch.length);
      })
      .finally(() => {
        this.flushing = null;
      });
    await this.flushing;
  }

  snapshot(): WriteQueueStats {
    return { ...this.stats, queued: this.buffer.length };
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    await this.flush();
  }
}
