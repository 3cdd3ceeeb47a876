import { afterAll, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "@pier/db";
import { ConversationStore } from "./conversations.ts";
import { pgMigrations, sqliteMigrations } from "./migrations.gen.ts";
import { createAiStore } from "./store.ts";

const turn = (content: string) => [{ role: "user", content }];

test("in memory: kept per scope, least recently used dropped first, within entries and size", async () => {
  const store = new ConversationStore(null, 2, 200);
  await store.set("app_a", "r1", turn("one"));
  await store.set("app_a", "r2", turn("two"));
  expect(await store.get("app_b", "r1")).toBeUndefined();
  expect(await store.get("app_a", "r1")).toEqual(turn("one"));
  await store.set("app_a", "r3", turn("three"));
  // r2 was the least recently used once r1 was read.
  expect(await store.get("app_a", "r2")).toBeUndefined();
  expect(await store.get("app_a", "r1")).toEqual(turn("one"));
  await store.set("app_a", "big", turn("x".repeat(150)));
  expect(await store.get("app_a", "r1")).toBeUndefined();
  expect(await store.get("app_a", "big")).toBeDefined();
  await store.set("app_a", "huge", turn("x".repeat(300)));
  expect(await store.get("app_a", "huge")).toBeUndefined();
});

const database = await openDatabase({ dataDir: mkdtempSync(join(tmpdir(), "pier-ai-conversations-")) });
await database.migrate({ sqlite: sqliteMigrations, pg: pgMigrations });
afterAll(() => database.close());

test("in the database: a conversation outlives the process, and memory evictions", async () => {
  const before = new ConversationStore(createAiStore(database).conversations, 1);
  await before.set("app_a", "r1", turn("one"));
  await before.set("app_a", "r2", turn("two"));
  // r1 left memory for r2 and is read back from the database.
  expect(await before.get("app_a", "r1")).toEqual(turn("one"));
  // A new pier (a restart, an upgrade) continues both.
  const after = new ConversationStore(createAiStore(database).conversations);
  expect(await after.get("app_a", "r2")).toEqual(turn("two"));
  expect(await after.get("app_b", "r2")).toBeUndefined();
});
