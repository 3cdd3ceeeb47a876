import { expect, test } from "bun:test";
import type { ProjectRow } from "../store/tables.ts";
import { STORAGE_FULL_RETRY_AFTER_SECONDS } from "./errors.ts";
import type { EventSink, PendingEvent, RawPendingEvent } from "./event-writer.ts";
import { createIngestHandler } from "./handler.ts";
import { matchIngestPath } from "./paths.ts";
import { KeyRateLimiter } from "./rate-limit.ts";
import { IngestStats } from "./stats.ts";

// What an SDK is told when its event cannot be queued: 503 with Retry-After, and why.
const project = {
  id: 7,
  publicKey: "k".repeat(32),
  rateLimitPerMinute: 0,
  scrubData: false,
  scrubFields: [],
  scrubIp: false,
} as unknown as ProjectRow;

/** A sink that takes events while `state` allows, like the writer (thread) does. */
function sink(state: { storageFull: boolean; queueFull: boolean }, withRaw: boolean) {
  const taken: string[] = [];
  const take = (id: string) => {
    if (state.storageFull || state.queueFull) return false;
    taken.push(id);
    return true;
  };
  const writer: EventSink = {
    enqueue: (item: PendingEvent) => take(item.event.eventId),
    ...(withRaw ? { enqueueRaw: (item: RawPendingEvent) => take(item.eventId) } : {}),
    flush: async () => {},
    forgetIssue: () => {},
    stop: async () => {},
    stored: 0,
    pending: 0,
    get storageFull() {
      return state.storageFull;
    },
  };
  return { writer, taken };
}

const eventId = () => crypto.randomUUID().replaceAll("-", "");
const auth = { "x-sentry-auth": `Sentry sentry_version=7, sentry_key=${"k".repeat(32)}` };
const store = (id: string) =>
  new Request("http://pier.test/api/7/store/", {
    method: "POST",
    headers: auth,
    body: JSON.stringify({ event_id: id, message: "boom", level: "error" }),
  });
const envelope = (id: string) =>
  new Request("http://pier.test/api/7/envelope/", {
    method: "POST",
    headers: auth,
    body: [
      JSON.stringify({ event_id: id }),
      JSON.stringify({ type: "event" }),
      JSON.stringify({ message: "boom" }),
    ].join("\n"),
  });

for (const withRaw of [false, true]) {
  test(`storage full: 503 with Retry-After until the writer stores again (${withRaw ? "writer thread" : "main thread"})`, async () => {
    const state = { storageFull: true, queueFull: false };
    const { writer, taken } = sink(state, withRaw);
    const stats = new IngestStats();
    const handle = createIngestHandler({
      project: async (id) => (id === 7 ? project : undefined),
      writer,
      limiter: new KeyRateLimiter(),
      limits: { maxBodyBytes: 1 << 20, maxDecodedBytes: 1 << 22 },
      stats,
    });
    for (const request of [store(eventId()), envelope(eventId())]) {
      const res = await handle(request, matchIngestPath(new URL(request.url).pathname)!);
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe(String(STORAGE_FULL_RETRY_AFTER_SECONDS));
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("storage_full");
      expect(res.headers.get("x-sentry-error")).toBe(body.error.message);
      expect(body.error.message).toContain("disk it writes them to is full");
    }
    expect(stats.get(7)).toEqual({ storage_full: 2 });

    state.storageFull = false;
    const id = eventId();
    const ok = await handle(envelope(id), matchIngestPath("/api/7/envelope/")!);
    expect([ok.status, await ok.json()]).toEqual([200, { id }]);
    expect(taken).toEqual([id]);
  });
}

test("a full queue is still 'overloaded' with a one-second Retry-After", async () => {
  const { writer } = sink({ storageFull: false, queueFull: true }, false);
  const handle = createIngestHandler({
    project: async () => project,
    writer,
    limiter: new KeyRateLimiter(),
    limits: { maxBodyBytes: 1 << 20, maxDecodedBytes: 1 << 22 },
    stats: new IngestStats(),
  });
  const res = await handle(store(eventId()), matchIngestPath("/api/7/store/")!);
  expect([
    res.status,
    res.headers.get("retry-after"),
    ((await res.json()) as { error: { code: string } }).error.code,
  ]).toEqual([503, "1", "overloaded"]);
});
