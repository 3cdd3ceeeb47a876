import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testClickHouse } from "../../../../test/support/clickhouse.ts";
import type { SpanRecord } from "../span.ts";
import { createClickHouseTraceStore } from "./clickhouse-trace-store.ts";
import { SqliteTraceStore } from "./sqlite-trace-store.ts";
import type { TraceStore } from "./trace-store.ts";

// The same behaviour from traces.db and from ClickHouse.
const clickhouse = await testClickHouse("traces_test");
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  await clickhouse.dropDatabases();
});

const backends: { name: string; open(): Promise<TraceStore> }[] = [
  {
    name: "sqlite",
    async open() {
      const dir = mkdtempSync(join(tmpdir(), "pier-traces-"));
      dirs.push(dir);
      return new SqliteTraceStore(join(dir, "traces.db"));
    },
  },
];
if (clickhouse.available) {
  backends.push({
    name: "clickhouse",
    open: () => createClickHouseTraceStore({ url: clickhouse.url, database: clickhouse.freshDatabase() }),
  });
}

const base = 1_700_000_000_000_000;
function span(over: Partial<SpanRecord>): SpanRecord {
  return {
    traceId: "a".repeat(32),
    spanId: "1".repeat(16),
    parentSpanId: null,
    name: "GET /x",
    kind: "server",
    service: "api",
    route: "GET /x",
    status: "unset",
    statusMessage: null,
    startUs: base,
    durationUs: 1000,
    entry: true,
    attributes: { "http.route": "/x", n: 1 },
    events: [{ name: "e", timeUs: base + 5, attributes: { k: "v" } }],
    source: "otlp",
    ...over,
  };
}

for (const backend of backends) {
  describe(`trace store on ${backend.name}`, () => {
    test("insert, list with filters, a trace, samples, services and retention", async () => {
      const store = await backend.open();
      const owner = { projectId: 7, appId: "app_1", defaultService: "api" };
      await store.insert(
        [
          span({}),
          span({
            spanId: "2".repeat(16),
            parentSpanId: "1".repeat(16),
            entry: false,
            kind: "client",
            startUs: base + 10,
          }),
          span({
            traceId: "b".repeat(32),
            service: "web",
            route: "GET /y",
            durationUs: 90_000,
            status: "error",
            startUs: base + 100,
          }),
          span({ traceId: "c".repeat(32), startUs: base - 86_400_000_000 }),
        ],
        owner,
      );
      await store.insert([span({ traceId: "d".repeat(32), startUs: base + 200 })], {
        ...owner,
        projectId: 8,
        appId: null,
      });
      const range = { fromUs: base - 1000, toUs: base + 1_000_000 };
      const all = await store.list({ ...range, sort: "recent", limit: 10, offset: 0 });
      expect(all.total).toBe(3);
      expect(all.spans.map((s) => s.traceId[0])).toEqual(["d", "b", "a"]);
      const slow = await store.list({
        ...range,
        appId: "app_1",
        minDurationUs: 50_000,
        sort: "slowest",
        limit: 10,
        offset: 0,
      });
      expect(slow.spans.map((s) => s.service)).toEqual(["web"]);
      expect(
        (await store.list({ ...range, status: "error", sort: "recent", limit: 10, offset: 0 })).total,
      ).toBe(1);
      expect((await store.list({ ...range, projectId: 8, sort: "recent", limit: 10, offset: 0 })).total).toBe(
        1,
      );

      const trace = await store.trace("a".repeat(32));
      expect(trace.map((s) => s.spanId)).toEqual(["1".repeat(16), "2".repeat(16)]);
      expect(trace[0]).toEqual({ ...span({}), projectId: 7, appId: "app_1" });
      expect(trace[1]!.parentSpanId).toBe("1".repeat(16));

      const samples = await store.samples({ ...range, appId: "app_1", limit: 100 });
      expect(samples.map((s) => [s.route, s.error]).sort()).toEqual([
        ["GET /x", false],
        ["GET /y", true],
      ]);
      expect(await store.services({ fromUs: range.fromUs })).toEqual(["api", "web"]);
      const link = {
        traceId: "a".repeat(32),
        spanId: "2".repeat(16),
        projectId: 7,
        eventId: "e".repeat(32),
        receivedUs: base,
      };
      await store.linkErrors([
        link,
        { ...link, eventId: "f".repeat(32), spanId: null, receivedUs: base + 1 },
      ]);
      expect(await store.errorsOf("a".repeat(32))).toEqual([
        link,
        { ...link, eventId: "f".repeat(32), spanId: null, receivedUs: base + 1 },
      ]);
      expect(await store.errorsOf("b".repeat(32))).toEqual([]);
      await store.purgeBefore(base - 1000);
      // ClickHouse deletes by mutation, which may finish after the ALTER returns.
      for (let i = 0; i < 50 && (await store.trace("c".repeat(32))).length > 0; i++) await Bun.sleep(100);
      expect(await store.trace("c".repeat(32))).toEqual([]);
      expect((await store.trace("a".repeat(32))).length).toBe(2);
      await store.close();
    });

    test("two projects' spans with the same trace and span ids are both kept, and read apart", async () => {
      const store = await backend.open();
      const shop = { projectId: 3, appId: "app_shop", defaultService: "shop" };
      const blog = { projectId: 4, appId: "app_blog", defaultService: "blog" };
      await store.insert([span({ name: "GET /checkout", service: "shop" })], shop);
      await store.insert([span({ name: "GET /hijacked", service: "evil", durationUs: 5 })], blog);
      // An exporter's retry still reads as one span.
      await store.insert([span({ name: "GET /checkout", service: "shop" })], shop);

      const trace = "a".repeat(32);
      const both = await store.trace(trace);
      expect(both.map((s) => [s.projectId, s.name, s.durationUs]).sort()).toEqual([
        [3, "GET /checkout", 1000],
        [4, "GET /hijacked", 5],
      ]);
      expect((await store.trace(trace, { appId: "app_shop" })).map((s) => s.name)).toEqual(["GET /checkout"]);
      expect((await store.trace(trace, { projectId: 4 })).map((s) => s.name)).toEqual(["GET /hijacked"]);
      const range = {
        fromUs: base - 1000,
        toUs: base + 1_000_000,
        sort: "recent" as const,
        limit: 10,
        offset: 0,
      };
      const blogList = await store.list({ ...range, appId: "app_blog" });
      expect(blogList.spans.map((s) => [s.projectId, s.name])).toEqual([[4, "GET /hijacked"]]);
      expect((await store.samples({ ...range, projectId: 4, limit: 10 })).map((s) => s.durationUs)).toEqual([
        5,
      ]);

      const link = { traceId: trace, spanId: null, projectId: 3, eventId: "e".repeat(32), receivedUs: base };
      await store.linkErrors([link, { ...link, projectId: 4, eventId: "f".repeat(32) }]);
      expect(await store.errorsOf(trace, { projectIds: [3] })).toEqual([link]);
      expect((await store.errorsOf(trace)).length).toBe(2);
      await store.close();
    });
  });
}

test("traces.db of the previous release: its spans move to the table keyed by project", async () => {
  const dir = mkdtempSync(join(tmpdir(), "pier-traces-"));
  dirs.push(dir);
  const path = join(dir, "traces.db");
  // The previous release's table, keyed by (trace, span) alone, and a span it writes.
  const previousRelease = (traceId: string) => {
    const db = new Database(path, { strict: true });
    db.run(`CREATE TABLE IF NOT EXISTS spans (
      trace_id TEXT NOT NULL, span_id TEXT NOT NULL, parent_span_id TEXT,
      project_id INTEGER NOT NULL, app_id TEXT, service TEXT NOT NULL, name TEXT NOT NULL,
      kind TEXT NOT NULL, route TEXT NOT NULL, status TEXT NOT NULL, status_message TEXT,
      start_us INTEGER NOT NULL, duration_us INTEGER NOT NULL, entry INTEGER NOT NULL,
      attributes TEXT NOT NULL, events TEXT NOT NULL, source TEXT NOT NULL,
      PRIMARY KEY (trace_id, span_id)) WITHOUT ROWID`);
    db.run(
      `INSERT OR REPLACE INTO spans VALUES (?, ?, NULL, 7, NULL, 'api', 'GET /x', 'server', 'GET /x', 'unset',
        NULL, ?, 1000, 1, '{}', '[]', 'otlp')`,
      [traceId, "1".repeat(16), base],
    );
    db.close();
  };
  previousRelease("a".repeat(32));
  const store = new SqliteTraceStore(path);
  expect((await store.trace("a".repeat(32))).map((s) => [s.projectId, s.spanId])).toEqual([
    [7, "1".repeat(16)],
  ]);
  // Written by the previous release during the hand-over: moved by the next sweep.
  previousRelease("b".repeat(32));
  await store.purgeBefore(base - 1000);
  expect((await store.trace("b".repeat(32))).length).toBe(1);
  expect(store.db.query("SELECT count(*) AS n FROM spans").get()).toEqual({ n: 0 });
  await store.close();
});
