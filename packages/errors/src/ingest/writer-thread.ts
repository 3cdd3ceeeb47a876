import { ErrorsWriterUnavailableError } from "./errors.ts";
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
  /** How long a read waits for the worker to store what came before it. */
  flushTimeoutMs?: number;
  /** How long shutdown waits for the worker to write what it holds. */
  stopTimeoutMs?: number;
  /** A new worker took over from one that died. */
  onRestart?: () => void;
}

/**
 * The main thread's side of the writer worker. Events are handed over in small batches (one
 * postMessage per few milliseconds, not per event); `flush` is a round trip that resolves once the
 * worker has stored everything sent before it.
 *
 * A worker that dies (a bug, memory) is started again: meanwhile `enqueue` refuses (ingest answers
 * 503, so nothing is acknowledged that no writer would keep), round trips fail with a clear error
 * instead of waiting for an answer that cannot come, and what the dead worker held is reported lost.
 */
export class WriterThread implements EventSink {
  private outbox: PendingEvent[] = [];
  private rawOutbox: RawPendingEvent[] = [];
  private handoffTimer: ReturnType<typeof setTimeout> | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  private sent = 0;
  private handled = 0;
  private stopping = false;
  private restarts = 0;
  stored = 0;
  /** As the worker last said: while true, enqueue refuses (ingest answers 503). */
  storageFull = false;
  /** The worker died and a new one is starting: enqueue refuses. */
  writerDown = false;

  private constructor(
    private worker: Worker,
    private readonly options: WriterThreadOptions,
  ) {}

  static async start(options: WriterThreadOptions): Promise<WriterThread> {
    const worker = await startWorker(options);
    const thread = new WriterThread(worker, options);
    thread.attach(worker);
    return thread;
  }

  private attach(worker: Worker): void {
    worker.onmessage = (event: MessageEvent<FromWriter>) => this.receive(event.data);
    worker.onerror = (event) => this.options.onError?.(`writer thread error: ${event.message}`, 0);
    worker.addEventListener("close", () => {
      if (worker === this.worker && !this.stopping) this.died();
    });
  }

  private died(): void {
    const lost = Math.max(0, this.sent - this.handled);
    this.options.onError?.(
      `the error-tracking writer thread stopped; ${lost} acknowledged events it held were lost, starting a new one`,
      lost,
    );
    this.writerDown = true;
    this.sent = 0;
    this.handled = 0;
    this.storageFull = false;
    const failure = new ErrorsWriterUnavailableError("stopped and is being restarted");
    for (const { reject } of this.waiting.values()) reject(failure);
    this.waiting.clear();
    void this.restart();
  }

  private async restart(): Promise<void> {
    while (!this.stopping) {
      try {
        const worker = await startWorker(this.options);
        if (this.stopping) {
          worker.terminate();
          return;
        }
        this.worker = worker;
        this.attach(worker);
        this.writerDown = false;
        this.restarts = 0;
        this.options.onRestart?.();
        this.handoff();
        return;
      } catch (error) {
        this.options.onError?.(`the error-tracking writer thread did not start again: ${error}`, 0);
        // A thread that cannot start now (memory) is tried again, less often each time.
        await Bun.sleep(Math.min(30_000, 1000 * 2 ** this.restarts++));
      }
    }
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
      this.waiting.get(message.id)?.resolve();
      this.waiting.delete(message.id);
    }
  }

  get pending(): number {
    return this.sent - this.handled + this.outbox.length + this.rawOutbox.length;
  }

  private refuses(): boolean {
    return this.writerDown || this.storageFull || this.pending >= (this.options.maxQueue ?? 20_000);
  }

  enqueue(item: PendingEvent): boolean {
    if (this.refuses()) return false;
    this.outbox.push(item);
    this.scheduleHandoff();
    return true;
  }

  enqueueRaw(item: RawPendingEvent): boolean {
    if (this.refuses()) return false;
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
    // Held until a live worker takes them (a new one after a restart).
    if (this.writerDown || this.outbox.length + this.rawOutbox.length === 0) return;
    this.sent += this.outbox.length + this.rawOutbox.length;
    this.post({ v: 1, type: "events", items: this.outbox, raw: this.rawOutbox });
    this.outbox = [];
    this.rawOutbox = [];
  }

  private roundTrip(type: "flush" | "stop", timeoutMs: number): Promise<void> {
    if (this.writerDown) return Promise.reject(new ErrorsWriterUnavailableError("is restarting"));
    this.handoff();
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new ErrorsWriterUnavailableError(`did not answer within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      const settle = (done: () => void) => () => {
        clearTimeout(timer);
        done();
      };
      this.waiting.set(id, { resolve: settle(resolve), reject: (error) => settle(() => reject(error))() });
      this.post({ v: 1, type, id });
    });
  }

  flush(): Promise<void> {
    return this.roundTrip("flush", this.options.flushTimeoutMs ?? 5_000);
  }

  forgetIssue(row: { projectId: number; hash: string }): void {
    // A restarted worker starts with an empty issue cache: nothing to forget there.
    if (!this.writerDown) this.post({ v: 1, type: "forget", projectId: row.projectId, hash: row.hash });
  }

  /** Writes what the worker holds, then ends it; a dead or stuck worker is ended anyway, with a log line. */
  async stop(): Promise<void> {
    try {
      await this.roundTrip("stop", this.options.stopTimeoutMs ?? 15_000);
    } catch (error) {
      this.options.onError?.(
        `error-tracking writer thread not stopped cleanly: ${(error as Error).message}`,
        0,
      );
    } finally {
      this.stopping = true;
      this.worker.terminate();
    }
  }
}

/** A new worker, once it said it is ready (its SQLite connection is open). */
async function startWorker(options: WriterThreadOptions): Promise<Worker> {
  const worker = new Worker(writerWorkerEntrypoint());
  try {
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
      const start: ToWriter = {
        v: 1,
        type: "start",
        sqlitePath: options.sqlitePath,
        maxBatch: options.maxBatch,
        flushIntervalMs: options.flushIntervalMs,
      };
      worker.postMessage(start);
    });
  } catch (error) {
    worker.terminate();
    throw error;
  }
  return worker;
}
