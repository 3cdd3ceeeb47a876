import { Database } from "bun:sqlite";
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { flakyHttpServer } from "@pier/uptime/testing";
import { testClickHouse } from "../support/clickhouse.ts";
import { jsonApi, type PierProcess, startPier } from "../support/pier-process.ts";

// Check results in ClickHouse (Debian's clickhouse-server), monitors and incidents in SQLite:
// the monitor API answers the same, and the rows are really in ClickHouse.
const clickhouse = await testClickHouse("uptime_e2e");
const database = clickhouse.freshDatabase();
const token = `pier_upch${crypto.randomUUID().replaceAll("-", "")}`;
const app = flakyHttpServer();
let pier: PierProcess;

const api = jsonApi(() => pier, token);

beforeAll(async () => {
  if (!clickhouse.available) return;
  pier = await startPier({
    env: {
      PIER_ADMIN_TOKEN: token,
      PIER_CLICKHOUSE_URL: `${clickhouse.url}/${database}`,
      PIER_UPTIME_MIN_INTERVAL_SECONDS: "1",
    },
    args: ["--proxy-workers", "0"],
  });
});
afterAll(async () => {
  await pier?.stop();
  app.stop();
  await clickhouse.dropDatabases();
}, 20_000);

test("scheduled checks land in ClickHouse; incidents, stats and recent checks read them back", async () => {
  if (!clickhouse.available) return;
  app.setHealthy(false);
  await api("POST", "/api/v1/monitors", {
    name: "ch-web",
    target: app.url(),
    intervalSeconds: 1,
    retries: 1,
  });
  const deadline = Date.now() + 15_000;
  let status = "";
  while (status !== "down" && Date.now() < deadline) {
    await Bun.sleep(200);
    status = (await api<{ monitor: { status: string } }>("GET", "/api/v1/monitors/ch-web")).monitor.status;
  }
  expect(status).toBe("down");
  app.setHealthy(true);
  const { result } = await api<{ result: { ok: boolean } }>("POST", "/api/v1/monitors/ch-web/check");
  expect(result.ok).toBe(true);

  const { incidents } = await api<{ incidents: { open: boolean; reason: string }[] }>(
    "GET",
    "/api/v1/incidents?monitor=ch-web",
  );
  expect(incidents[0]).toMatchObject({ open: false, reason: "HTTP 503 (expected 200-399)" });
  const { checks } = await api<{ checks: { ok: boolean }[] }>(
    "GET",
    "/api/v1/monitors/ch-web/checks?limit=50",
  );
  expect(checks[0]!.ok).toBe(true);
  expect(checks.filter((c) => !c.ok).length).toBeGreaterThanOrEqual(2);
  const stats = await api<{
    daily: { checks: number; failures: number }[];
    latency: { "24h": { samples: number } };
  }>("GET", "/api/v1/monitors/ch-web");
  expect(stats.latency["24h"].samples).toBeGreaterThanOrEqual(1);
  const today = stats.daily.at(-1)!;
  expect(today.checks).toBeGreaterThanOrEqual(checks.length);

  // The API has flushed pending rows before answering, so ClickHouse holds at least those.
  expect(
    Number(await clickhouse.query(`SELECT count() FROM ${database}.uptime_checks`)),
  ).toBeGreaterThanOrEqual(checks.length);
  expect(
    Number(await clickhouse.query(`SELECT sum(failures) FROM ${database}.uptime_daily`)),
  ).toBeGreaterThanOrEqual(2);
  expect(pier.logs()).toContain('"checkResults":"clickhouse"');
  // None of them went to the SQL database, which keeps the monitor and its incident.
  const sqlite = new Database(join(pier.dataDir, "pier.db"), { readonly: true });
  try {
    expect(sqlite.query("SELECT count(*) AS n FROM uptime_checks").get()).toEqual({ n: 0 });
    expect(sqlite.query("SELECT count(*) AS n FROM uptime_incidents").get()).toEqual({ n: 1 });
  } finally {
    sqlite.close();
  }
}, 30_000);
