import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Database, openDatabase } from "@pier/db";
import { SQL } from "bun";
import { eq } from "drizzle-orm";
import { testPostgresUrl } from "../../../test/support/database-backends.ts";
import { pgMigrations, sqliteMigrations } from "./migrations.gen.ts";
import * as pgSchema from "./schema/pg.ts";
import * as sqliteSchema from "./schema/sqlite.ts";
import { CONVERSATION_RETENTION_MS, createAiStore } from "./store.ts";

// Providers, aliases, keys, prices and settings on SQLite and (when configured) PostgreSQL.
const postgresUrl = testPostgresUrl();

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

async function open(kind: "sqlite" | "postgres"): Promise<Database> {
  let database: Database;
  if (kind === "sqlite")
    database = await openDatabase({ dataDir: mkdtempSync(join(tmpdir(), "pier-ai-store-")) });
  else {
    const admin = new SQL(postgresUrl!);
    const name = `pier_ai_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
    await admin.unsafe(`CREATE DATABASE ${name}`);
    cleanups.push(async () => {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.close();
    });
    const url = new URL(postgresUrl!);
    url.pathname = `/${name}`;
    database = await openDatabase({ dataDir: "/nonexistent", databaseUrl: url.toString() });
  }
  await database.migrate({ sqlite: sqliteMigrations, pg: pgMigrations });
  cleanups.push(() => database.close());
  return database;
}

const kinds: ("sqlite" | "postgres")[] = postgresUrl ? ["sqlite", "postgres"] : ["sqlite"];

for (const kind of kinds) {
  describe(`AI store on ${kind}`, () => {
    test("conversations: found by scope and response id, replaced on save, gone after 30 days", async () => {
      const database = await open(kind);
      const store = createAiStore(database);
      await store.conversations.save("app_1", "resp_1", '[{"role":"user","content":"hi"}]');
      await store.conversations.save("app_1", "resp_1", '[{"role":"user","content":"hello"}]');
      expect(await store.conversations.find("app_1", "resp_1")).toBe('[{"role":"user","content":"hello"}]');
      expect(await store.conversations.find("app_2", "resp_1")).toBeUndefined();
      await store.conversations.save("app_1", "resp_old", "[]");
      const old = new Date(Date.now() - CONVERSATION_RETENTION_MS - 60_000);
      const t = (kind === "postgres" ? pgSchema : sqliteSchema).aiConversations;
      await (database.db as typeof database.db)
        .update(t as typeof sqliteSchema.aiConversations)
        .set({ createdAt: old })
        .where(eq(t.responseId, "resp_old"));
      expect(await store.conversations.find("app_1", "resp_old")).toBeUndefined();
      expect(await store.conversations.prune()).toBe(1);
      expect(await store.conversations.find("app_1", "resp_1")).toBeDefined();
    });

    test("upserts replace by name; json columns and nulls round-trip", async () => {
      const store = createAiStore(await open(kind));
      await store.providers.upsert({
        id: "aip_1",
        name: "a",
        kind: "openai",
        baseUrl: null,
        apiKeySealed: "v1.x.y",
        models: ["m1"],
      });
      await store.providers.upsert({
        id: "aip_2",
        name: "a",
        kind: "anthropic",
        baseUrl: "http://x",
        apiKeySealed: null,
        models: [],
      });
      expect(await store.providers.list()).toMatchObject([
        { id: "aip_1", name: "a", kind: "anthropic", baseUrl: "http://x", apiKeySealed: null, models: [] },
      ]);
      await store.aliases.upsert("smart", ["a/m1"]);
      await store.aliases.upsert("smart", ["a/m2", "a/m1"]);
      expect((await store.aliases.list()).map((a) => a.targets)).toEqual([["a/m2", "a/m1"]]);
      await store.prices.upsert("gpt-x", 1, 2);
      await store.prices.upsert("gpt-x", 3, 4);
      expect(await store.prices.list()).toMatchObject([
        { model: "gpt-x", inputPerMillion: 3, outputPerMillion: 4 },
      ]);
      await store.settings.set("gateway", { retries: 2 });
      expect(await store.settings.get("gateway")).toEqual({ retries: 2 });
      expect(await store.providers.delete("a")).toBe(true);
      expect(await store.providers.delete("a")).toBe(false);
    });

    test("keys: lookup by hash, deploy key per app, revocation", async () => {
      const store = createAiStore(await open(kind));
      const base = {
        allowedModels: [],
        requestsPerMinute: null,
        tokensPerMinute: null,
        monthlyBudgetUsd: 12.5,
      };
      await store.keys.create({
        ...base,
        id: "aik_1",
        name: "k",
        keyHash: "h1",
        hint: "…1",
        appId: "app_1",
        keySealed: null,
      });
      await store.keys.create({
        ...base,
        id: "aik_2",
        name: "deploy",
        keyHash: "h2",
        hint: "…2",
        appId: "app_1",
        keySealed: "v1.a.b",
      });
      expect((await store.keys.findActiveByHash("h1"))?.monthlyBudgetUsd).toBe(12.5);
      expect((await store.keys.findDeployKey("app_1"))?.id).toBe("aik_2");
      expect((await store.keys.revoke("aik_2"))?.revokedAt).toBeInstanceOf(Date);
      expect(await store.keys.revoke("aik_2")).toBeUndefined();
      expect(await store.keys.findDeployKey("app_1")).toBeUndefined();
      expect(await store.keys.findActiveByHash("h2")).toBeUndefined();
    });
  });
}
