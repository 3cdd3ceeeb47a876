import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { testClickHouse } from "../support/clickhouse.ts";
import { jsonApi, type PierProcess, repoRoot, startPier } from "../support/pier-process.ts";

// Error events in ClickHouse (Debian's clickhouse-server), issues in SQLite: the same API answers.
const clickhouse = await testClickHouse("errors_e2e");
const database = clickhouse.freshDatabase();
const token = `pier_errch${crypto.randomUUID().replaceAll("-", "")}`;
let pier: PierProcess;

const api = jsonApi(() => pier, token);

beforeAll(async () => {
  if (!clickhouse.available) return;
  pier = await startPier({
    env: { PIER_ADMIN_TOKEN: token, PIER_CLICKHOUSE_URL: `${clickhouse.url}/${database}` },
    args: ["--proxy-workers", "0"],
  });
});
afterAll(async () => {
  await pier?.stop();
  await clickhouse.dropDatabases();
}, 20_000);

test("@sentry/node events land in ClickHouse and the issue API reads them back", async () => {
  if (!clickhouse.available) return;
  const settings = await api<{ eventStore: string }>("GET", "/api/v1/errors/settings");
  expect(settings.eventStore).toBe("clickhouse");
  const { project } = await api<{ project: { id: number; dsn: string } }>("POST", "/api/v1/errors/projects", {
    name: "ch-shop",
  });
  const proc = Bun.spawn(
    [process.execPath, join(import.meta.dir, "errors-fixtures", "errors-node-app.ts"), "charge"],
    {
      cwd: repoRoot,
      env: {
        ...process.env,
        SENTRY_DSN: project.dsn,
        SENTRY_RELEASE: "7.0.0",
        SENTRY_ENVIRONMENT: "production",
      },
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  expect(await proc.exited).toBe(0);
  const { issues } = await api<{ issues: { id: string; count: number; usersCount: number }[] }>(
    "GET",
    `/api/v1/errors/issues?project=${project.id}`,
  );
  expect(issues).toHaveLength(1);
  expect(issues[0]).toMatchObject({ count: 3, usersCount: 2 });
  const detail = await api<{
    latestEvent: { release: string; exceptions: { frames: { function: string | null }[] }[] };
    histogram: { buckets: { count: number }[] };
  }>("GET", `/api/v1/errors/issues/${issues[0]!.id}?period=1h`);
  expect(detail.latestEvent.release).toBe("7.0.0");
  expect(detail.latestEvent.exceptions[0]!.frames.at(-1)!.function).toBe("chargeCard");
  expect(detail.histogram.buckets.reduce((n, b) => n + b.count, 0)).toBe(3);
  const { events } = await api<{ events: { eventId: string }[] }>(
    "GET",
    `/api/v1/errors/issues/${issues[0]!.id}/events`,
  );
  expect(events).toHaveLength(3);
  expect(await clickhouse.query(`SELECT count() FROM ${database}.error_events`)).toBe("3");
});
