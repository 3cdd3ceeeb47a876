import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Database, openDatabase } from "@pier/db";
import { SQL } from "bun";
import { testClickHouse } from "../../../test/support/clickhouse.ts";
import { testPostgresUrl } from "../../../test/support/database-backends.ts";
import { pgMigrations, sqliteMigrations } from "./migrations.gen.ts";
import type { UsageLog } from "./usage-log.ts";
import { createClickHouseUsageLog } from "./usage-log-clickhouse.ts";
import { createSqlUsageLog } from "./usage-log-sql.ts";

// One suite, three backends: the embedded SQLite, PostgreSQL and ClickHouse (18.16 in CI).
const postgresUrl = testPostgresUrl();
const clickhouse = await testClickHouse("ai_test");

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

async function migrated(database: Database): Promise<Database> {
  await database.migrate({ sqlite: sqliteMigrations, pg: pgMigrations });
  cleanups.push(() => database.close());
  return database;
}

const backends: [string, () => Promise<UsageLog>][] = [
  [
    "sqlite",
    async () =>
      createSqlUsageLog(
        await migrated(await openDatabase({ dataDir: mkdtempSync(join(tmpdir(), "pier-ai-usage-")) })),
      ),
  ],
];
if (postgresUrl) {
  backends.push([
    "postgres",
    async () => {
      const admin = new SQL(postgresUrl);
      const name = `pier_ai_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
      await admin.unsafe(`CREATE DATABASE ${name}`);
      cleanups.push(async () => {
        await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.close();
      });
      const url = new URL(postgresUrl);
      url.pathname = `/${name}`;
      return createSqlUsageLog(
        await migrated(await openDatabase({ dataDir: "/nonexistent", databaseUrl: url.toString() })),
      );
    },
  ]);
}
if (clickhouse.available) {
  backends.push([
    "clickhouse",
    async () => {
      const log = await createClickHouseUsageLog({
        url: clickhouse.url,
        database: clickhouse.freshDatabase(),
      });
      cleanups.push(async () => {
        await log.close();
        await clickhouse.dropDatabases();
      });
      return log;
    },
  ]);
}

const hour = 3_600_000;
const t0 = Date.UTC(2026, 10, 1, 10, 0, 0);
const row = (n: number, fields: Record<string, unknown>) => ({
  id: `aiu_${n}`,
  createdAt: new Date(t0 + n * 60_000),
  endpoint: "chat/completions",
  requestedModel: "smart",
  latencyMs: 100,
  status: 200,
  ...fields,
});

for (const [name, open] of backends) {
  describe(`usage log on ${name}`, () => {
    test("rows round-trip; cost per key; spend grouped by bucket, app and model", async () => {
      const log = await open();
      await log.insert(
        row(0, {
          appId: "app_a",
          keyId: "k1",
          provider: "openai",
          model: "gpt-4o",
          promptTokens: 10,
          completionTokens: 5,
          costUsd: 0.5,
          ttftMs: 40,
          stream: true,
        }),
      );
      await log.insert(
        row(1, {
          appId: "app_a",
          keyId: "k1",
          provider: "openai",
          model: "gpt-4o",
          promptTokens: 20,
          completionTokens: 5,
          costUsd: 0.25,
        }),
      );
      await log.insert(
        row(61, {
          appId: "app_b",
          keyId: "k2",
          provider: "claude",
          model: "claude-sonnet-4",
          promptTokens: 1,
          completionTokens: 1,
          costUsd: 1,
        }),
      );
      await log.insert(row(62, { appId: "app_b", keyId: "k2", status: 502, error: "all providers failed" }));

      const recent = await log.recent({ limit: 10 });
      expect(recent.map((r) => r.id)).toEqual(["aiu_62", "aiu_61", "aiu_1", "aiu_0"]);
      expect(recent.at(-1)).toMatchObject({
        appId: "app_a",
        ttftMs: 40,
        stream: true,
        cached: false,
        promptTokens: 10,
      });
      expect(recent[0]).toMatchObject({ provider: null, ttftMs: null, error: "all providers failed" });
      expect((await log.recent({ limit: 10, appId: "app_a" })).length).toBe(2);

      expect(await log.costSince("k1", new Date(t0))).toBeCloseTo(0.75, 10);
      expect(await log.costSince("k1", new Date(t0 + 30_000))).toBeCloseTo(0.25, 10);

      const spend = await log.spend({ from: new Date(t0), to: new Date(t0 + 3 * hour), bucketMs: hour });
      // Order inside one bucket is not defined; across buckets it is.
      const sorted = [...spend].sort((x, y) => x.bucket - y.bucket || x.model.localeCompare(y.model));
      expect(spend.map((r) => r.bucket)).toEqual(sorted.map((r) => r.bucket));
      expect(sorted).toEqual([
        {
          bucket: t0,
          appId: "app_a",
          model: "openai/gpt-4o",
          requests: 2,
          promptTokens: 30,
          completionTokens: 10,
          costUsd: 0.75,
        },
        {
          bucket: t0 + hour,
          appId: "app_b",
          model: "claude/claude-sonnet-4",
          requests: 1,
          promptTokens: 1,
          completionTokens: 1,
          costUsd: 1,
        },
        {
          bucket: t0 + hour,
          appId: "app_b",
          model: "smart",
          requests: 1,
          promptTokens: 0,
          completionTokens: 0,
          costUsd: 0,
        },
      ]);
      expect(
        (await log.spend({ from: new Date(t0), to: new Date(t0 + hour), bucketMs: hour, appId: "app_b" }))
          .length,
      ).toBe(0);
    });
  });
}
