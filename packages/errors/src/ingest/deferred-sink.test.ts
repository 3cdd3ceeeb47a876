import { describe, expect, test } from "bun:test";
import { DeferredSink } from "./deferred-sink.ts";
import type { EventSink, PendingEvent, RawPendingEvent } from "./event-writer.ts";

function recordingSink(withRaw: boolean) {
  const seen: string[] = [];
  const sink: EventSink = {
    enqueue: (item) => {
      seen.push(`event:${item.event.eventId}`);
      return true;
    },
    ...(withRaw
      ? {
          enqueueRaw: (item: RawPendingEvent) => {
            seen.push(`raw:${item.eventId}`);
            return true;
          },
        }
      : {}),
    flush: async () => {
      seen.push("flush");
    },
    forgetIssue: (row) => {
      seen.push(`forget:${row.hash}`);
    },
    stop: async () => {
      seen.push("stop");
    },
    stored: 0,
    storageFull: false,
    pending: 0,
  };
  return { sink, seen };
}

const event = (eventId: string) => ({ event: { eventId } }) as PendingEvent;
const raw = (eventId: string, json: string): RawPendingEvent => ({
  projectId: 1,
  eventId,
  receivedAt: Date.now(),
  payload: new TextEncoder().encode(json),
});

describe("DeferredSink", () => {
  test("starts nothing until the first event, then hands over what waited, in order", async () => {
    const real = recordingSink(true);
    let starts = 0;
    const sink = new DeferredSink({
      start: async () => {
        starts++;
        return real.sink;
      },
      fallback: () => recordingSink(false).sink,
      maxQueue: 10,
    });
    await sink.flush();
    await sink.stop();
    expect(starts).toBe(0);
    expect(sink.started).toBe(false);

    expect(sink.enqueue(event("a"))).toBe(true);
    expect(sink.enqueueRaw(raw("b", "{}"))).toBe(true);
    sink.forgetIssue({ projectId: 1, hash: "h" });
    expect(sink.pending).toBe(2);
    await sink.flush();
    sink.enqueue(event("c"));
    expect(starts).toBe(1);
    expect(real.seen).toEqual(["event:a", "raw:b", "forget:h", "flush", "event:c"]);
  });

  test("refuses events beyond maxQueue while the thread starts (ingest answers 503)", () => {
    const sink = new DeferredSink({
      start: () => new Promise<EventSink>(() => {}),
      fallback: () => recordingSink(false).sink,
      maxQueue: 2,
    });
    expect(sink.enqueue(event("a"))).toBe(true);
    expect(sink.enqueue(event("b"))).toBe(true);
    expect(sink.enqueue(event("c"))).toBe(false);
  });

  test("a thread that cannot start falls back to the main-thread writer, raw events parsed here", async () => {
    const fallback = recordingSink(false);
    const invalid: number[] = [];
    const errors: unknown[] = [];
    const sink = new DeferredSink({
      start: async () => {
        throw new Error("no worker");
      },
      fallback: () => fallback.sink,
      maxQueue: 10,
      onInvalid: (projectId, count) => invalid.push(projectId, count),
      onStartError: (error) => errors.push(error),
    });
    sink.enqueueRaw(raw("ok", JSON.stringify({ message: "boom", level: "error" })));
    sink.enqueueRaw(raw("bad", "[1,2]"));
    await sink.flush();
    expect(errors).toHaveLength(1);
    expect(fallback.seen).toEqual(["event:ok", "flush"]);
    expect(invalid).toEqual([1, 1]);
  });
});
