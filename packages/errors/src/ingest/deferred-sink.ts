import { prepareEventBytes } from "../process/prepare-event.ts";
import type { EventSink, PendingEvent, RawPendingEvent } from "./event-writer.ts";

export interface DeferredSinkOptions {
  /** Starts the real sink (the writer thread); called on the first event. */
  start(): Promise<EventSink>;
  /** The main-thread writer, used when `start` fails. */
  fallback(): EventSink;
  /** Events waiting for the start before ingest answers 503. */
  maxQueue: number;
  /** Raw events that turned out not to be JSON objects (parsed here only after a fallback). */
  onInvalid?: (projectId: number, count: number) => void;
  onStartError?: (error: unknown) => void;
}

/**
 * The writer thread started on the first event instead of with the service: a pier whose apps send
 * no errors does not pay for a second JS thread (its RSS: docs/performance.md, Startup and
 * footprint). Events arriving while it starts wait here, in order; if it cannot start, the
 * main-thread writer gets them (raw ones parsed here).
 */
export class DeferredSink implements EventSink {
  private sink: EventSink | null = null;
  private starting: Promise<EventSink> | null = null;
  private waiting: ({ raw: false; item: PendingEvent } | { raw: true; item: RawPendingEvent })[] = [];

  constructor(private readonly options: DeferredSinkOptions) {}

  get stored(): number {
    return this.sink?.stored ?? 0;
  }

  get pending(): number {
    return this.sink ? this.sink.pending : this.waiting.length;
  }

  get storageFull(): boolean {
    return this.sink?.storageFull ?? false;
  }

  get writerDown(): boolean {
    return this.sink?.writerDown ?? false;
  }

  /** Whether the real sink was asked for (an event arrived). */
  get started(): boolean {
    return this.starting !== null;
  }

  enqueue(item: PendingEvent): boolean {
    if (this.sink) return this.sink.enqueue(item);
    if (this.waiting.length >= this.options.maxQueue) return false;
    this.waiting.push({ raw: false, item });
    void this.start();
    return true;
  }

  enqueueRaw(item: RawPendingEvent): boolean {
    if (this.sink) return this.forwardRaw(this.sink, item);
    if (this.waiting.length >= this.options.maxQueue) return false;
    this.waiting.push({ raw: true, item });
    void this.start();
    return true;
  }

  async flush(): Promise<void> {
    if (this.starting) await (await this.starting).flush();
  }

  forgetIssue(row: { projectId: number; hash: string }): void {
    if (this.sink) this.sink.forgetIssue(row);
    // Still starting: after the events that were queued before this call, as it would have been.
    else void this.starting?.then((sink) => sink.forgetIssue(row));
  }

  async stop(): Promise<void> {
    if (this.starting) await (await this.starting).stop();
  }

  private start(): Promise<EventSink> {
    this.starting ??= this.options
      .start()
      .catch((error) => {
        this.options.onStartError?.(error);
        return this.options.fallback();
      })
      .then((sink) => {
        for (const entry of this.waiting) {
          if (entry.raw) this.forwardRaw(sink, entry.item);
          else sink.enqueue(entry.item);
        }
        this.waiting = [];
        this.sink = sink;
        return sink;
      });
    return this.starting;
  }

  private forwardRaw(sink: EventSink, item: RawPendingEvent): boolean {
    if (sink.enqueueRaw) return sink.enqueueRaw(item);
    const prepared = prepareEventBytes(
      item.projectId,
      item.eventId,
      item.payload,
      item.receivedAt,
      item.scrub,
    );
    if (prepared) return sink.enqueue(prepared);
    this.options.onInvalid?.(item.projectId, 1);
    return true;
  }
}
