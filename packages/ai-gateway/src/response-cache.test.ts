import { expect, test } from "bun:test";
import { cacheKey, ResponseCache } from "./response-cache.ts";

const answer = (body: string) => ({ kind: "json" as const, body, promptTokens: 1, completionTokens: 1 });

test("entries expire after the TTL", () => {
  const cache = new ResponseCache(() => ({ ttlSeconds: 10, maxEntries: 10 }));
  cache.set("a", answer("A"), 0);
  expect(cache.get("a", 9_999)).toEqual(answer("A"));
  expect(cache.get("a", 10_000)).toBeUndefined();
});

test("least recently used entries go first when full", () => {
  const cache = new ResponseCache(() => ({ ttlSeconds: 60, maxEntries: 2 }));
  cache.set("a", answer("A"), 0);
  cache.set("b", answer("B"), 0);
  cache.get("a", 1);
  cache.set("c", answer("C"), 2);
  expect(cache.get("b", 3)).toBeUndefined();
  expect(cache.get("a", 3)).toBeDefined();
  expect(cache.size).toBe(2);
});

test("a TTL of zero disables the cache", () => {
  const cache = new ResponseCache(() => ({ ttlSeconds: 0, maxEntries: 10 }));
  cache.set("a", answer("A"));
  expect(cache.get("a")).toBeUndefined();
});

test("keys differ by scope, endpoint and body", () => {
  const body = { model: "m", messages: [] };
  expect(cacheKey("app1", "chat/completions", body)).toBe(cacheKey("app1", "chat/completions", { ...body }));
  expect(cacheKey("app1", "chat/completions", body)).not.toBe(cacheKey("app2", "chat/completions", body));
  expect(cacheKey("app1", "chat/completions", body)).not.toBe(cacheKey("app1", "completions", body));
  expect(cacheKey("app1", "chat/completions", body)).not.toBe(
    cacheKey("app1", "chat/completions", { ...body, stream: true }),
  );
});
