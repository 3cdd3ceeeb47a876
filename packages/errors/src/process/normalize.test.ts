import { expect, test } from "bun:test";
import { rawEventSchema } from "./event-schema.ts";
import { normalizeEvent, toMillis, userKey } from "./normalize.ts";

test("normalizes every field the SDKs send, tolerating wrong types", () => {
  const raw = rawEventSchema.parse({
    timestamp: 1_700_000_000.5,
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
  const event = normalizeEvent(raw, "a".repeat(32), 5);
  expect(event.timestamp).toBe(1_700_000_000_500);
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
