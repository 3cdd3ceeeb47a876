import type { EventSink, IssueNotice, PendingEvent, RawPendingEvent } from "./event-writer.ts";
import type { FromWriter, ToWriter } from "./writer-messages.ts";

/** Path of the worker module relative to the repository root: the extra `bun build --compile` entrypoint. */
export const WRITER_WORKER_ENTRYPOINT = "packages/errors/src/ingest/writer-worker.ts";

/** Same rule as the proxy pool: inside a compiled binary workers resolve against /$bunfs/root/. */
export function writerWorkerEntrypoint(): string | URL {
  const here = import.meta.url;
  if (here.includes("/$bunfs/") || here.includes("~BUN")) return `./${WRITER_WORKER_ENTRYPOINT}`;
  return new URL("./writer-worker.ts", here);
}

export interface WriterThreadOptions {
  sqlitePath: string;
  maxBatch?: number;
  flushIntervalMs?: number;
  /** Events handed over but not yet stored before ingest answers 503. */
  maxQueue?: number;
  /** How long to collect events before posting them to the worker in one message. */
  handoffMs?: number;
  onNotice?: (notice: IssueNotice) => void;
  onError?: (message: string, dropped: number) => void;
  /** The worker's writer found storage full (with its error), or wrote again. */
  onStorageFullChange?: (full: boolean, error?: unknown) => void;
  /** Events the worker found not to be JSON objects, counted per project. */
  onInvalid?: (projectId: number, count: number) => void;
  startTimeoutMs?: number;
}

/**
 * The main thread's side of the writer worker. Events are handed over in small batches (one
 * postMessage per few milliseconds, not per event); `flush` is a round trip that resolves once the
 * worker has stored everything sent before it.
 */
export class WriterThread implements EventSink {
  private outbox: PendingEvent[] = [];
  private rawOutbox: RawPendingEvent[] = [];
  private handoffTimer: ReturnType<typeof setTimeout> | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, () => void>();
  private sent = 0;
  private handled = 0;
  stored = 0;
  /** As the worker last said: while true, enqueue refuses (ingest answers 503). */
  storageFull = false;

  private constructor(
    private readonly worker: Worker,
    private readonly options: WriterThreadOptions,
  ) {}

  static async start(options: WriterThreadOptions): Promise<WriterThread> {
    const worker = new Worker(writerWorkerEntrypoint());
    const thread = new WriterThread(worker, options);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error("the error-tracking writer thread did not start")),
        options.startTimeoutMs ?? 10_000,
      );
      worker.onerror = (event) => {
        clearTimeout(timer);
        reject(new Error(`the error-tracking writer thread failed: ${event.message}`));
      };
      worker.onmessage = (event: MessageEvent<FromWriter>) => {
        if (event.data.type === "ready") {
          clearTimeout(timer);
          resolve();
        }
      };
      thread.post({
        v: 1,
        type: "start",
        sqlitePath: options.sqlitePath,
        maxBatch: options.maxBatch,
        flushIntervalMs: options.flushIntervalMs,
      });
    });
    worker.onmessage = (event: MessageEvent<FromWriter>) => thread.receive(event.data);
    worker.onerror = (event) => options.onError?.(`writer thread error: ${event.message}`, 0);
    return thread;
  }

  private post(message: ToWriter): void {
    this.worker.postMessage(message);
  }

  private receive(message: FromWriter): void {
    if (message.type === "notice") this.options.onNotice?.(message.notice);
    else if (message.type === "invalid") this.options.onInvalid?.(message.projectId, message.count);
    else if (message.type === "progress") this.handled = message.handled;
    else if (message.type === "error") this.options.onError?.(message.message, message.dropped);
    else if (message.type === "storage") {
      this.storageFull = message.full;
      this.options.onStorageFullChange?.(message.full, message.message);
    } else if (message.type === "flushed") {
      this.stored = message.stored;
      this.waiting.get(message.id)?.();
      this.waiting.delete(message.id);
    }
  }

  get pending(): number {
    return this.sent - this.handled + this.outbox.length + this.rawOutbox.length;
  }

  enqueue(item: PendingEvent): boolean {
    if (this.storageFull || this.pending >= (this.options.maxQueue ?? 20_000)) return false;
    this.outbox.push(item);
    this.scheduleHandoff();
    return true;
  }

  enqueueRaw(item: RawPendingEvent): boolean {
    if (this.storageFull || this.pending >= (this.options.maxQueue ?? 20_000)) return false;
    this.rawOutbox.push(item);
    this.scheduleHandoff();
    return true;
  }

  private scheduleHandoff(): void {
    if (this.outbox.length + this.rawOutbox.length >= 500) this.handoff();
    else this.handoffTimer ??= setTimeout(() => this.handoff(), this.options.handoffMs ?? 5);
  }

  private handoff(): void {
    if (this.handoffTimer) clearTimeout(this.handoffTimer);
    this.handoffTimer = null;
    if (this.outbox.length + this.rawOutbox.length === 0) return;
    this.sent += this.outbox.length + this.rawOutbox.length;
    this.post({ v: 1, type: "events", items: this.outbox, raw: this.rawOutbox });
    this.outbox = [];
    this.rawOutbox = [];
  }

  private roundTrip(type: "flush" | "stop"): Promise<void> {
    this.handoff();
    const id = this.nextId++;
    return new Promise<void>((resolve) => {
      this.waiting.set(id, resolve);
      this.post({ v: 1, type, id });
    });
  }

  flush(): Promise<void> {
    return this.roundTrip("flush");
  }

  forgetIssue(row: { projectId: number; hash: string }): void {
    this.post({ v: 1, type: "forget", projectId: row.projectId, hash: row.hash });
  }

  async stop(): Promise<void> {
    await this.roundTrip("stop");
    this.worker.terminate();
  }
}
