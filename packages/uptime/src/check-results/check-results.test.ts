import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "@pier/core";
import { openDatabase } from "@pier/db";
import { createSecretBox } from "@pier/secrets";
import { testClickHouse } from "../../../../test/support/clickhouse.ts";
import { flakyHttpServer } from "../../testing/flaky-servers.ts";
import { uptimeMigrations } from "../migrations.ts";
import { systemClock } from "../scheduler.ts";
import { UptimeService } from "../service.ts";
import { dayKey, latencyBuckets, percentiles } from "../stats.ts";
import type { CheckResults, CheckRow } from "./check-results.ts";
import { createClickHouseCheckResults } from "./clickhouse-check-results.ts";
import { createSqlCheckResults } from "./sql-check-results.ts";

// One contract, two backends: the SQL database (SQLite here; postgres.test.ts covers pg through
// the service) and ClickHouse (Debian's 18.16 in CI).
const clickhouse = await testClickHouse("uptime_test");

const cleanups: (() => Promise<unknown>)[] = [];
const http = flakyHttpServer();
afterAll(async () => {
  http.stop();
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

const backends: [string, () => Promise<CheckResults>][] = [
  [
    "sql",
    async () => {
      const database = await openDatabase({ dataDir: mkdtempSync(join(tmpdir(), "pier-uptime-results-")) });
      await database.migrate(uptimeMigrations);
      cleanups.push(() => database.close());
      return createSqlCheckResults(database);
    },
  ],
];
if (clickhouse.available)
  backends.push([
    "clickhouse",
    async () => {
      const results = await createClickHouseCheckResults({
        url: `${clickhouse.url}/${clickhouse.freshDatabase()}`,
      });
      cleanups.push(async () => {
        await results.close();
        await clickhouse.dropDatabases();
      });
      return results;
    },
  ]);

const hour = 3_600_000;
const now = Date.UTC(2026, 10, 25, 12, 0, 0);
const check = (monitorId: string, at: number, ok: boolean, latencyMs: number): CheckRow => ({
  monitorId,
  at: new Date(at),
  ok,
  latencyMs,
  status: ok ? 200 : null,
  error: ok ? null : "HTTP 503 (expected 200-399)",
});
const record = (results: CheckResults, row: CheckRow) => results.record(row, dayKey(row.at));

describe.each(backends)("check results on %s", (_name, open) => {
  test("latest checks come newest first with every field intact", async () => {
    const results = await open();
    await record(results, check("mon_a", now - 2000, true, 12));
    await record(results, check("mon_a", now - 1000, false, 3004));
    await record(results, check("mon_b", now, true, 5));
    const latest = await results.latest("mon_a", 10);
    expect(latest).toEqual([check("mon_a", now - 1000, false, 3004), check("mon_a", now - 2000, true, 12)]);
    expect(await results.latest("mon_a", 1)).toHaveLength(1);
    expect(await results.latest("mon_none", 5)).toEqual([]);
  });

  test("windows count checks and failures and give nearest-rank latency percentiles of successes", async () => {
    const results = await open();
    const latencies: number[] = [];
    // 100 hourly successes (the last 24 within a day), 7 failures, one check older than the week.
    for (let i = 0; i < 100; i++) {
      const latency = ((i * 37) % 100) + 1;
      latencies.push(latency);
      await record(results, check("mon_w", now - 99.5 * hour + i * hour, true, latency));
    }
    for (let i = 0; i < 7; i++)
      await record(results, check("mon_w", now - 3 * hour + i * 60_000, false, 9999));
    await record(results, check("mon_w", now - 9 * 24 * hour, true, 1));
    const week = await results.window("mon_w", new Date(now - 7 * 24 * hour));
    expect(week).toEqual({ checks: 107, failures: 7, latency: percentiles(latencies) });
    expect(week.latency).toEqual({ p50: 50, p95: 95, p99: 99, samples: 100 });
    const lastDay = await results.window("mon_w", new Date(now - 24 * hour));
    expect(lastDay).toEqual({ checks: 31, failures: 7, latency: percentiles(latencies.slice(-24)) });
    expect(await results.window("mon_none", new Date(0))).toEqual({
      checks: 0,
      failures: 0,
      latency: { p50: null, p95: null, p99: null, samples: 0 },
    });
  });

  test("checks since a moment come oldest first, ready to bucket for the response-time chart", async () => {
    const results = await open();
    await record(results, check("mon_s", now - 3 * hour, true, 30));
    await record(results, check("mon_s", now - 90 * 60_000, false, 9999));
    await record(results, check("mon_s", now - 80 * 60_000, true, 10));
    await record(results, check("mon_s", now - 70 * 60_000, true, 20));
    const since = await results.since("mon_s", new Date(now - 2 * hour));
    expect(since.map((c) => [c.at.getTime(), c.ok, c.latencyMs])).toEqual([
      [now - 90 * 60_000, false, 9999],
      [now - 80 * 60_000, true, 10],
      [now - 70 * 60_000, true, 20],
    ]);
    expect(latencyBuckets(since, now - 2 * hour, hour, 2)).toEqual([
      { t: now - 2 * hour, checks: 3, failures: 1, p50: 10, p95: 20 },
      { t: now - hour, checks: 0, failures: 0, p50: null, p95: null },
    ]);
  });

  test("daily counters add up per monitor and day, from a given day on", async () => {
    const results = await open();
    const day = 24 * hour;
    await record(results, check("mon_d", now - 100 * day, true, 1));
    await record(results, check("mon_d", now - 2 * day, true, 1));
    await record(results, check("mon_d", now - 2 * day + 1, false, 1));
    await record(results, check("mon_d", now, true, 1));
    await record(results, check("mon_e", now + 1, false, 1));
    await record(results, check("mon_other", now + 2, false, 1));
    const daily = await results.daily(["mon_d", "mon_e"], dayKey(new Date(now - 90 * day)));
    expect(daily).toEqual([
      { monitorId: "mon_d", day: "2026-11-23", checks: 2, failures: 1 },
      { monitorId: "mon_d", day: "2026-11-25", checks: 1, failures: 0 },
      { monitorId: "mon_e", day: "2026-11-25", checks: 1, failures: 1 },
    ]);
    expect(await results.daily([], "2000-01-01")).toEqual([]);
  });

  test("retention prunes raw checks and old counters apart; deleting a monitor drops its results", async () => {
    const results = await open();
    const day = 24 * hour;
    await record(results, check("mon_r", now - 20 * day, false, 1));
    await record(results, check("mon_r", now - 500 * day, true, 1));
    await record(results, check("mon_r", now, true, 1));
    await record(results, check("mon_x", now, true, 1));
    await results.prune(new Date(now - 14 * day), dayKey(new Date(now - 400 * day)));
    expect((await results.latest("mon_r", 10)).map((c) => c.at.getTime())).toEqual([now]);
    expect((await results.daily(["mon_r"], "2000-01-01")).map((d) => d.day)).toEqual([
      dayKey(new Date(now - 20 * day)),
      dayKey(new Date(now)),
    ]);
    await results.deleteMonitor("mon_r");
    expect(await results.latest("mon_r", 10)).toEqual([]);
    expect(await results.daily(["mon_r"], "2000-01-01")).toEqual([]);
    expect(await results.latest("mon_x", 10)).toHaveLength(1);
  });
});

describe.each(backends)("UptimeService with check results on %s", (_name, open) => {
  test("an incident starts at the first failed check and stats read the results back", async () => {
    const database = await openDatabase({ dataDir: mkdtempSync(join(tmpdir(), "pier-uptime-service-")) });
    await database.migrate(uptimeMigrations);
    cleanups.push(() => database.close());
    const kinds: string[] = [];
    // A second between checks, as a schedule would space them: the stores order checks by
    // their time, and four made within one millisecond have no order to keep.
    let now = Date.now();
    const uptime = new UptimeService({
      database,
      clock: { ...systemClock, now: () => (now += 1_000) },
      checkResults: await open(),
      sealer: await createSecretBox(crypto.getRandomValues(new Uint8Array(32))),
      logger: silentLogger,
      notify: async (event) => {
        kinds.push(event.kind);
      },
    });
    await uptime.createMonitor({ name: "web", target: http.url(), retries: 1 });
    http.setHealthy(true);
    await uptime.checkNow("web");
    http.setHealthy(false);
    await uptime.checkNow("web");
    await uptime.checkNow("web");
    http.setHealthy(true);
    await uptime.checkNow("web");
    expect(kinds).toEqual(["incident.opened", "incident.resolved"]);
    const checks = await uptime.recentChecks("web", 10);
    expect(checks.map((c) => c.ok)).toEqual([true, false, false, true]);
    const [incident] = await uptime.incidents({ monitor: "web" });
    expect(incident!.startedAt).toBe(checks[2]!.at);
    const stats = await uptime.stats("web");
    expect(stats.uptime).toEqual({ "24h": 50, "7d": 50, "30d": 50, "90d": 50 });
    expect(stats.latency["24h"].samples).toBe(2);
    expect(stats.daily).toHaveLength(90);
    expect(stats.daily.at(-1)).toMatchObject({ checks: 4, failures: 2 });
    await uptime.deleteMonitor("web");
    expect(await uptime.store.checks.latest(stats.monitor.id, 10)).toEqual([]);
  });
});
