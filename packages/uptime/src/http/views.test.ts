import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "@pier/core";
import { type Database, openDatabase } from "@pier/db";
import { channelConfigSchema, redactChannelConfig } from "@pier/notify";
import { createSecretBox } from "@pier/secrets";
import type { z } from "zod";
import { flakyHttpServer } from "../../testing/flaky-servers.ts";
import { uptimeMigrations } from "../migrations.ts";
import { UptimeService } from "../service.ts";
import { StatusPages, statusPageView } from "../status-page/status-pages.ts";
import {
  channelSchema,
  checkResultSchema,
  checkSchema,
  incidentSchema,
  monitorSchema,
  monitorStatsSchema,
  statusPageSchema,
} from "./views.ts";

// The presenters against the contract's answers, without a server: what the e2e suites check on
// every answer (PIER_CHECK_RESPONSES=1), here for the shapes that vary (HTTP and TCP monitors,
// paused ones, open and resolved incidents, each channel kind).
let database: Database;
let uptime: UptimeService;
const http = flakyHttpServer();

beforeAll(async () => {
  database = await openDatabase({ dataDir: mkdtempSync(join(tmpdir(), "pier-uptime-views-")) });
  await database.migrate(uptimeMigrations);
  uptime = new UptimeService({
    database,
    sealer: await createSecretBox(crypto.getRandomValues(new Uint8Array(32))),
    logger: silentLogger,
    notify: async () => {},
    minIntervalSeconds: 1,
  });
});
afterAll(async () => {
  await uptime.stop();
  http.stop();
  await database.close();
});

function expectValid(schema: z.ZodType, value: unknown) {
  const parsed = schema.safeParse(value);
  expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
}

test("monitors, checks, stats and incidents answer in their contract's shape", async () => {
  await uptime.createMonitor({
    name: "web",
    target: http.url(),
    intervalSeconds: 3600,
    retries: 0,
    http: { keyword: "good", headers: { "x-api-key": "k1" } },
  });
  await uptime.createMonitor({ name: "db", kind: "tcp", target: "127.0.0.1:9", enabled: false });
  for (const monitor of await uptime.listMonitors()) expectValid(monitorSchema, monitor);

  const up = await uptime.checkNow("web");
  expectValid(checkResultSchema, up.result);
  http.setHealthy(false);
  const down = await uptime.checkNow("web");
  expectValid(checkResultSchema, down.result);
  expectValid(monitorSchema, await uptime.view(down.monitor));
  const tcp = await uptime.checkNow("db");
  expectValid(checkResultSchema, tcp.result);
  expectValid(monitorSchema, await uptime.view(tcp.monitor));

  for (const check of await uptime.recentChecks("web")) expectValid(checkSchema, check);
  expectValid(monitorStatsSchema, await uptime.stats("web"));
  expectValid(monitorStatsSchema, await uptime.stats("db"));
  http.setHealthy(true);
  await uptime.checkNow("web");
  await uptime.checkNow("db");
  const incidents = await uptime.incidents({});
  expect(incidents.map((i) => i.open).sort()).toEqual([false, true]);
  for (const incident of incidents) expectValid(incidentSchema, incident);

  const pages = new StatusPages(uptime.store);
  const page = await pages.create({ slug: "acme", title: "ACME", monitors: ["web"] });
  expectValid(statusPageSchema, statusPageView(page));
  const hosted = await pages.create({ slug: "hosted", title: "H", host: "status.acme.test" });
  expectValid(statusPageSchema, statusPageView(hosted));
});

test("every kind of channel config answers redacted in its contract's shape", () => {
  const configs = [
    { kind: "webhook", url: "https://hooks.test/a", secret: "whsec_0123456789abcdef" },
    { kind: "webhook", url: "https://hooks.test/b" },
    { kind: "slack", url: "https://hooks.test/c" },
    { kind: "email", host: "smtp.test", from: "pier@x.test", to: ["ops@x.test"], password: "p" },
    { kind: "email", host: "smtp.test", from: "pier@x.test", to: ["ops@x.test"], username: "u" },
  ].map((c) => channelConfigSchema.parse(c));
  for (const config of configs) {
    const view = { id: "nch_1", name: "ops", enabled: true, events: [], config: redactChannelConfig(config) };
    expectValid(channelSchema, view);
    expect(JSON.stringify(view)).not.toMatch(/whsec_|"password":"p"/);
  }
});
