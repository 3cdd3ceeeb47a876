import { afterAll, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "@pier/core";
import { openDatabase } from "@pier/db";
import { testClickHouse } from "../../../test/support/clickhouse.ts";
import { freshPostgresDatabase } from "../../../test/support/database-backends.ts";
import { createErrorsService, type ErrorsService } from "./service.ts";

// An SDK sends an event again after pier restarted (its answer was lost in the restart): the event
// is stored once and counted once, on every SQL backend. The in-memory check of recent ids is gone
// with the restart, so only the store can tell.
const postgres = freshPostgresDatabase("pier_errors_dedup");
const clickhouse = await testClickHouse("errors_dedup_test");
type Where = { databaseUrl?: string; dataDir: string; clickhouseDatabase?: string };
const backends: [string, () => Promise<Where>][] = [
  ["sqlite", async () => ({ dataDir: mkdtempSync(join(tmpdir(), "pier-errors-dedup-")) })],
];
afterAll(() => clickhouse.dropDatabases());
if (clickhouse.available)
  backends.push([
    "sqlite+clickhouse",
    async () => ({
      dataDir: mkdtempSync(join(tmpdir(), "pier-errors-dedup-")),
      clickhouseDatabase: clickhouse.freshDatabase(),
    }),
  ]);
if (postgres)
  backends.push([
    "postgres",
    async () => ({ databaseUrl: await postgres.create(), dataDir: "/nonexistent" }),
  ]);

for (const [name, location] of backends) {
  test(`an event id sent again after a restart counts once (${name})`, async () => {
    const where = await location();
    const id = crypto.randomUUID().replaceAll("-", "");
    const body = `{"event_id":"${id}"}\n{"type":"event"}\n${JSON.stringify({ event_id: id, message: "dup after restart" })}\n`;
    let projectId = 0;
    let key = "";
    const run = async (first: boolean, check: (service: ErrorsService) => Promise<void>) => {
      const database = await openDatabase({ dataDir: where.dataDir, databaseUrl: where.databaseUrl });
      const service = await createErrorsService({
        database,
        clickhouseUrl: where.clickhouseDatabase ? clickhouse.url : undefined,
        clickhouseDatabase: where.clickhouseDatabase,
        logger: silentLogger,
        consoleUrl: "http://console.test",
        secretBox: { encrypt: async (s) => `sealed:${s}`, decrypt: async (s) => s.slice(7) },
      });
      if (first) {
        const project = await service.projects.create({ name: "dedup" });
        projectId = project.id;
        key = project.publicKey;
      }
      for (let i = 0; i < 2; i++) {
        const res = await service.ingest(
          new Request(`http://127.0.0.1/api/${projectId}/envelope/`, {
            method: "POST",
            headers: { "x-sentry-auth": `Sentry sentry_version=7, sentry_key=${key}` },
            body,
          }),
          { kind: "envelope", projectId: String(projectId) },
        );
        expect(res.status).toBe(200);
        await service.settled();
      }
      await check(service);
      await service.stop();
      await database.close();
    };
    const counts = async (service: ErrorsService) => {
      const issueId = (await service.issueOfEvent(projectId, id))!;
      const issue = await service.issues.get(issueId);
      return { count: issue?.count, events: (await service.events.list(issueId, 10)).length };
    };
    await run(true, async (service) => expect(await counts(service)).toEqual({ count: 1, events: 1 }));
    await run(false, async (service) => expect(await counts(service)).toEqual({ count: 1, events: 1 }));
  });
}
