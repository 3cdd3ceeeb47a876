import { expect, test } from "bun:test";
import { rawEventSchema } from "./event-schema.ts";
import { eventTime, normalizeEvent, toMillis, userKey } from "./normalize.ts";
import { readRawEvent } from "./read-event.ts";

test("normalizes every field the SDKs send, tolerating wrong types", () => {
  const raw = rawEventSchema.parse({
    timestamp: 1_704_067_200.5,
    level: "warn",
    platform: "node",
    release: 42,
    environment: "production",
    tags: [
      ["region", "eu"],
      ["retries", 3],
    ],
    user: { id: 7, email: "a@b.c" },
    request: { url: "http://x/y", method: "GET" },
    contexts: { runtime: { name: "bun" } },
    breadcrumbs: { values: [{ timestamp: "2024-01-01T00:00:00Z", category: "http", message: "GET /" }] },
    exception: [
      { type: "Error", value: "boom", stacktrace: { frames: [{ filename: "/app/a.js", lineno: "x" }] } },
    ],
    extra: "not an object",
    server_name: 12,
  });
  const event = normalizeEvent(raw, "a".repeat(32), Date.parse("2024-01-01T00:01:00Z"));
  expect(event.timestamp).toBe(1_704_067_200_500);
  expect(event.level).toBe("warning");
  expect(event.release).toBe("42");
  expect(event.tags).toEqual({ region: "eu", retries: "3" });
  expect(event.user?.id).toBe("7");
  expect(userKey(event)).toBe("id:7");
  expect(event.breadcrumbs[0]).toMatchObject({
    timestamp: Date.parse("2024-01-01T00:00:00Z"),
    category: "http",
  });
  expect(event.exceptions[0]!.frames[0]).toMatchObject({ filename: "/app/a.js", lineno: null, inApp: true });
  expect(event.extra).toEqual({});
  expect(event.serverName).toBeNull();
  expect(toMillis(undefined, 9)).toBe(9);
});

test("only a non-object payload is rejected", () => {
  expect(rawEventSchema.safeParse([1, 2]).success).toBe(false);
  expect(rawEventSchema.safeParse("x").success).toBe(false);
  expect(rawEventSchema.safeParse({}).success).toBe(true);
});

test("times far in the future or older than 30 days become the time received", () => {
  const received = Date.parse("2026-01-01T00:00:00Z");
  expect(eventTime(received / 1000 - 60, received)).toBe(received - 60_000);
  expect(eventTime(received / 1000 + 120, received)).toBe(received + 120_000);
  for (const sent of [
    1e20,
    -1e23,
    "+275760-09-13T00:00:00Z",
    received / 1000 + 3600,
    received / 1000 - 31 * 86_400,
  ])
    expect(eventTime(sent, received)).toBe(received);
  const raw = rawEventSchema.parse({ timestamp: 1e20, breadcrumbs: [{ timestamp: 1e300, message: "m" }] });
  const event = normalizeEvent(raw, "a".repeat(32), received);
  expect([event.timestamp, event.breadcrumbs[0]!.timestamp]).toEqual([received, received]);
  expect(() => new Date(event.timestamp).toISOString()).not.toThrow();
});

test("a tag named __proto__ is kept like any other, as pairs or as an object", () => {
  for (const tags of ['{"__proto__":"x","a":"b"}', '[["__proto__","x"],["a","b"]]']) {
    // readRawEvent is what ingest and reads use (zod's record, the reference schema, drops the key).
    const event = normalizeEvent(readRawEvent(JSON.parse(`{"tags":${tags}}`))!, "a".repeat(32), 1);
    expect(Object.entries(event.tags)).toEqual([
      ["__proto__", "x"],
      ["a", "b"],
    ]);
    expect(JSON.stringify(event.tags)).toBe('{"__proto__":"x","a":"b"}');
  }
});
