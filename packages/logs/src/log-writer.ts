import type { LogRecord } from "./log-record.ts";
import type { ContainerCursor } from "./store/sqlite-store.ts";

export interface LogSink {
  insert(records: readonly LogRecord[], cursors: readonly ContainerCursor[]): void | Promise<void>;
}

export interface LogWriterOptions {
  /** Lines wait at most this long before they are stored. */
  flushMs: number;
  /** Lines per transaction. */
  batchSize: number;
  /** Above this many waiting lines `push` answers false: producers pause until there is room. */
  highWater: number;
  /** A batch that could not be stored (a full disk): its lines are dropped, pier goes on. */
  onDropped(count: number, error: unknown): void;
}

/**
 * Collects lines from every source and stores them in batches. Memory stays bounded: producers
 * that can wait (Docker streams) pause when `push` says so and resume on `room()`; those that
 * cannot (an OTLP request) ask `full()` first and are answered 429/503.
 */
export class LogWriter {
  private pending: LogRecord[] = [];
  private cursors = new Map<string, string>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private writing: Promise<void> = Promise.resolve();
  private waiters: (() => void)[] = [];
  private stopped = false;
  dropped = 0;
  stored = 0;

  constructor(
    private readonly sink: LogSink,
    private readonly options: LogWriterOptions,
  ) {}

  /** Queues a line (and where its container's stream now stands). False: pause until `room()`. */
  push(record: LogRecord, cursor?: ContainerCursor): boolean {
    this.pending.push(record);
    if (cursor) this.cursors.set(cursor.containerId, cursor.ts);
    if (this.pending.length >= this.options.batchSize) this.flushSoon(0);
    else this.flushSoon(this.options.flushMs);
    return !this.full();
  }

  /** Records where a container's stream stands without a line (its history was all stored before). */
  moveCursor(cursor: ContainerCursor): void {
    this.cursors.set(cursor.containerId, cursor.ts);
    this.flushSoon(this.options.flushMs);
  }

  full(): boolean {
    return this.pending.length >= this.options.highWater;
  }

  /** Resolves once fewer than `highWater` lines wait. */
  room(): Promise<void> {
    if (!this.full()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  get waiting(): number {
    return this.pending.length;
  }

  private flushSoon(delay: number): void {
    if (this.stopped) return;
    if (this.timer && delay > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, delay);
  }

  /** Stores everything waiting, a batch per transaction; batches never overlap. */
  flush(): Promise<void> {
    this.writing = this.writing.then(async () => {
      while (this.pending.length > 0 || this.cursors.size > 0) {
        const batch = this.pending.splice(0, this.options.batchSize);
        // Cursors go with the last batch: one saved earlier could skip lines still waiting.
        const cursors =
          this.pending.length === 0
            ? [...this.cursors].map(([containerId, ts]) => ({ containerId, ts }))
            : [];
        if (cursors.length > 0) this.cursors.clear();
        try {
          await this.sink.insert(batch, cursors);
          this.stored += batch.length;
        } catch (error) {
          this.dropped += batch.length;
          this.options.onDropped(batch.length, error);
        }
        this.wake();
        // Let producers and requests run between batches of a large backlog.
        if (this.pending.length > 0) await new Promise((resolve) => setImmediate(resolve));
      }
    });
    return this.writing;
  }

  private wake(): void {
    if (this.full()) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flush();
    this.stopped = true;
    this.wake();
  }
}
