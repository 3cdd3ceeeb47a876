import { afterAll, expect, test } from "bun:test";
import { silentLogger } from "@pier/core";
import { type Database, openDatabase } from "@pier/db";
import { createChannelStore, notifyMigrations } from "@pier/notify";
import { createSecretBox } from "@pier/secrets";
import { SQL } from "bun";
import { testPostgresUrl } from "../../../test/support/database-backends.ts";
import { flakyHttpServer } from "../testing/flaky-servers.ts";
import { uptimeMigrations } from "./migrations.ts";
import { UptimeService } from "./service.ts";
import { StatusPages } from "./status-page/status-pages.ts";

// The same service on PostgreSQL: upserts of daily counters, json columns and timestamps differ
// between the dialects, so the core flow runs on a real server too.
const adminUrl = testPostgresUrl();
const name = `pier_uptime_${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;
let admin: SQL | undefined;
let database: Database | undefined;
const http = flakyHttpServer();

afterAll(async () => {
  http.stop();
  await database?.close();
  if (admin) {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.close();
  }
});

test.if(adminUrl !== undefined)(
  "monitors, incidents, stats, status pages and channels on PostgreSQL",
  async () => {
    admin = new SQL(adminUrl!);
    await admin.unsafe(`CREATE DATABASE ${name}`);
    const url = new URL(adminUrl!);
    url.pathname = `/${name}`;
    database = await openDatabase({ dataDir: "/nonexistent", databaseUrl: url.toString() });
    await database.migrate(notifyMigrations);
    await database.migrate(uptimeMigrations);
    const sealer = await createSecretBox(crypto.getRandomValues(new Uint8Array(32)));
    const kinds: string[] = [];
    const uptime = new UptimeService({
      database,
      sealer,
      logger: silentLogger,
      notify: async (e) => {
        kinds.push(e.kind);
      },
    });
    const pages = new StatusPages(uptime.store, { cacheMs: 0 });
    await uptime.createMonitor({
      name: "pg",
      target: http.url(),
      retries: 0,
      http: { headers: { "x-a": "b" } },
    });
    await uptime.checkNow("pg");
    http.setHealthy(false);
    await uptime.checkNow("pg");
    await uptime.checkNow("pg");
    http.setHealthy(true);
    await uptime.checkNow("pg");
    expect(kinds).toEqual(["incident.opened", "incident.resolved"]);
    const stats = await uptime.stats("pg");
    expect(stats.uptime["24h"]).toBe(50);
    expect(stats.daily.at(-1)).toMatchObject({ checks: 4, failures: 2 });
    expect(stats.monitor.http?.headers).toEqual({ "x-a": "***" });
    const [incident] = await uptime.incidents({ monitor: "pg" });
    expect(incident).toMatchObject({ open: false, failedChecks: 2 });
    await pages.create({ slug: "pg", title: "PG", monitors: ["pg"], host: "status.pg.test" });
    expect((await pages.render({ host: "status.pg.test" }))!.html).toContain("Past incidents");

    const channels = createChannelStore(database, sealer);
    await channels.create({
      id: "nch_1",
      name: "hook",
      events: ["incident.opened"],
      enabled: true,
      config: { kind: "slack", url: "http://127.0.0.1:9/x" },
    });
    expect((await channels.list())[0]).toMatchObject({
      name: "hook",
      events: ["incident.opened"],
      config: { kind: "slack" },
    });
    await channels.recordDelivery({
      id: "dlv_1",
      channelId: "nch_1",
      kind: "test",
      ok: true,
      attempts: 1,
      status: 200,
      error: null,
    });
    expect(await channels.deliveries("nch_1")).toHaveLength(1);
    await uptime.deleteMonitor("pg");
  },
);
