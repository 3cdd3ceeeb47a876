import { expect, test } from "bun:test";
import { ConversationStore } from "./conversations.ts";

test("conversations are kept per scope, least recently used dropped first, within entries and size", () => {
  const store = new ConversationStore(2, 200);
  const turn = (content: string) => [{ role: "user", content }];
  store.set("app_a", "r1", turn("one"));
  store.set("app_a", "r2", turn("two"));
  expect(store.get("app_b", "r1")).toBeUndefined();
  expect(store.get("app_a", "r1")).toEqual(turn("one"));
  store.set("app_a", "r3", turn("three"));
  // r2 was the least recently used once r1 was read.
  expect(store.get("app_a", "r2")).toBeUndefined();
  expect(store.get("app_a", "r1")).toEqual(turn("one"));
  store.set("app_a", "big", turn("x".repeat(150)));
  expect(store.get("app_a", "r1")).toBeUndefined();
  expect(store.get("app_a", "big")).toBeDefined();
  store.set("app_a", "huge", turn("x".repeat(300)));
  expect(store.get("app_a", "huge")).toBeUndefined();
});
