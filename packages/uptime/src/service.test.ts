import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "@pier/core";
import { type Database, openDatabase } from "@pier/db";
import type { NotificationEvent } from "@pier/notify";
import { selfSignedCertificate } from "@pier/notify/testing";
import { createSecretBox } from "@pier/secrets";
import { flakyHttpServer, toggleableTcpServer } from "../testing/flaky-servers.ts";
import { uptimeMigrations } from "./migrations.ts";
import { systemClock } from "./scheduler.ts";
import { UptimeService, type UptimeServiceOptions } from "./service.ts";
import { StatusPages } from "./status-page/status-pages.ts";

let database: Database;
let dataDir: string;
const events: NotificationEvent[] = [];
const services: UptimeService[] = [];
const http = flakyHttpServer();
const tcp = toggleableTcpServer();

async function service(extra: Partial<UptimeServiceOptions> = {}) {
  const sealer = await createSecretBox(crypto.getRandomValues(new Uint8Array(32)));
  const created = new UptimeService({
    database,
    sealer,
    logger: silentLogger,
    notify: async (event) => {
      events.push(event);
    },
    minIntervalSeconds: 1,
    ...extra,
  });
  services.push(created);
  return created;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "pier-uptime-"));
  database = await openDatabase({ dataDir });
  await database.migrate(uptimeMigrations);
});
afterAll(async () => {
  for (const s of services) await s.stop();
  http.stop();
  tcp.stop();
  await database.close();
});

const kinds = () => events.map((e) => e.kind);

describe("incidents", () => {
  test("HTTP: opens after retries+1 failed checks, closes on recovery with duration and reason", async () => {
    // The service's clock jumps 90 s while the app is down, so the incident's duration has a floor
    // the test sets and a ceiling it measures (the jump plus the real time the checks took).
    let skipped = 0;
    const uptime = await service({ clock: { ...systemClock, now: () => Date.now() + skipped } });
    const monitor = await uptime.createMonitor({
      name: "web",
      target: http.url(),
      retries: 2,
      intervalSeconds: 3600,
    });
    events.length = 0;
    expect((await uptime.checkNow("web")).monitor.status).toBe("up");
    http.setHealthy(false);
    const outageStart = Date.now();
    const states: string[] = [];
    for (let i = 0; i < 4; i++) states.push((await uptime.checkNow("web")).monitor.status);
    expect(states).toEqual(["retrying", "retrying", "down", "down"]);
    expect(kinds()).toEqual(["incident.opened"]);
    const opened = events[0] as Extract<NotificationEvent, { kind: "incident.opened" }>;
    expect(opened.reason).toBe("HTTP 503 (expected 200-399)");
    const [open] = await uptime.incidents({ monitor: "web", open: true });
    expect(open).toMatchObject({ open: true, failedChecks: 4, monitorName: "web" });

    http.setHealthy(true);
    skipped = 90_000;
    const recovered = await uptime.checkNow(monitor.id);
    const outageEnd = Date.now();
    expect(recovered.monitor).toMatchObject({ status: "up", consecutiveFailures: 0, openIncidentId: null });
    expect(kinds()).toEqual(["incident.opened", "incident.resolved"]);
    const resolved = events[1] as Extract<NotificationEvent, { kind: "incident.resolved" }>;
    expect(resolved.durationMs).toBeGreaterThanOrEqual(90_000);
    expect(resolved.durationMs).toBeLessThanOrEqual(90_000 + (outageEnd - outageStart));
    // The incident started at the first failed check, not the third.
    const [closed] = await uptime.incidents({ monitor: "web" });
    expect(closed).toMatchObject({ open: false, reason: "HTTP 503 (expected 200-399)" });
    const checks = await uptime.recentChecks("web", 10);
    const firstFailure = checks.filter((c) => !c.ok).at(-1)!;
    expect(closed!.startedAt).toBe(firstFailure.at);
    expect(closed!.durationMs).toBe(resolved.durationMs);
  });

  test("checks in the same millisecond are all kept, and the incident starts at the first failure", async () => {
    const frozen = Date.now();
    const uptime = await service({ clock: { ...systemClock, now: () => frozen } });
    await uptime.createMonitor({ name: "same-ms", target: http.url(), retries: 1, intervalSeconds: 3600 });
    http.setHealthy(true);
    await uptime.checkNow("same-ms");
    http.setHealthy(false);
    await uptime.checkNow("same-ms");
    await uptime.checkNow("same-ms");
    http.setHealthy(true);
    const checks = await uptime.recentChecks("same-ms", 10);
    expect(checks.map((c) => c.ok)).toEqual([false, false, true]);
    const [open] = await uptime.incidents({ monitor: "same-ms", open: true });
    expect(open!.startedAt).toBe(checks[1]!.at);
  });

  test("TCP: a closed port opens an incident at once with retries 0, reopening closes it", async () => {
    const uptime = await service();
    await uptime.createMonitor({
      name: "db",
      kind: "tcp",
      target: tcp.target,
      retries: 0,
      intervalSeconds: 3600,
    });
    events.length = 0;
    expect((await uptime.checkNow("db")).result.ok).toBe(true);
    tcp.down();
    const down = await uptime.checkNow("db");
    expect(down.result).toMatchObject({ ok: false, error: "connection refused" });
    expect(down.monitor.status).toBe("down");
    tcp.up();
    expect((await uptime.checkNow("db")).monitor.status).toBe("up");
    expect(kinds()).toEqual(["incident.opened", "incident.resolved"]);
  });

  test("the scheduler runs checks on its own and an incident opens without API calls", async () => {
    const uptime = await service();
    await uptime.start();
    const flaky = flakyHttpServer();
    try {
      flaky.setHealthy(false);
      const monitor = await uptime.createMonitor({
        name: "scheduled",
        target: flaky.url(),
        retries: 1,
        intervalSeconds: 1,
      });
      const deadline = Date.now() + 8000;
      while ((await uptime.findMonitor(monitor.id)).status !== "down" && Date.now() < deadline)
        await Bun.sleep(100);
      const row = await uptime.findMonitor(monitor.id);
      expect(row.status).toBe("down");
      expect(row.consecutiveFailures).toBeGreaterThanOrEqual(2);
      await uptime.deleteMonitor(monitor.id);
    } finally {
      await uptime.stop();
      flaky.stop();
    }
  }, 15_000);

  test("state survives a restart: the open incident closes after the restart", async () => {
    const first = await service();
    http.setHealthy(false);
    await first.createMonitor({ name: "restart", target: http.url(), retries: 0, intervalSeconds: 3600 });
    await first.checkNow("restart");
    await first.stop();
    const second = await service();
    await second.start();
    expect((await second.findMonitor("restart")).status).toBe("down");
    http.setHealthy(true);
    events.length = 0;
    await second.checkNow("restart");
    expect(kinds()).toEqual(["incident.resolved"]);
    await second.stop();
  });
});

describe("HTTP check options", () => {
  test("keyword present/absent, status range, latency limit, redirects and sealed headers", async () => {
    const uptime = await service();
    const check = async (name: string, input: Record<string, unknown>) => {
      await uptime.createMonitor({ name, intervalSeconds: 3600, target: http.url(), ...input });
      return (await uptime.checkNow(name)).result;
    };
    http.setBody("status: all good");
    expect((await check("kw-ok", { http: { keyword: "all good" } })).ok).toBe(true);
    expect(await check("kw-missing", { http: { keyword: "database ok" } })).toMatchObject({
      ok: false,
      error: 'keyword "database ok" not found in the response',
    });
    expect((await check("kw-absent", { http: { keyword: "error", keywordMode: "absent" } })).ok).toBe(true);
    expect((await check("status", { http: { expectedStatus: "201" } })).error).toBe(
      "HTTP 200 (expected 201)",
    );
    http.setDelay(120);
    expect((await check("slow", { http: { maxLatencyMs: 50 } })).error).toMatch(
      /^slow: \d+ ms \(limit 50 ms\)$/,
    );
    http.setDelay(0);
    expect(await check("timeout", { timeoutMs: 100, target: http.url("/slow") })).toMatchObject({
      ok: false,
      error: "timed out after 100 ms",
    });
    expect(
      (await check("follow", { target: http.url("/redirect"), http: { expectedStatus: "200" } })).ok,
    ).toBe(true);
    expect(
      await check("manual", {
        target: http.url("/redirect"),
        http: { expectedStatus: "200", followRedirects: false },
      }),
    ).toMatchObject({ ok: false, status: 302 });
    expect(
      (await check("auth", { target: http.url("/auth"), http: { headers: { "x-api-key": "k1" } } })).ok,
    ).toBe(true);
    const view = await uptime.view(await uptime.findMonitor("auth"));
    expect(view.http?.headers).toEqual({ "x-api-key": "***" });
  });

  test("intervals below the minimum are refused with a clear message", async () => {
    const uptime = await service({ minIntervalSeconds: 10 });
    await expect(
      uptime.createMonitor({ name: "fast", target: http.url(), intervalSeconds: 5 }),
    ).rejects.toThrow("intervalSeconds: 5 is below the minimum of 10 seconds.");
  });
});

describe("TLS expiry", () => {
  test("a certificate expiring within the warning window notifies once", async () => {
    const secure = flakyHttpServer({ tls: selfSignedCertificate(3) });
    const uptime = await service({ tlsRecheckMs: 0 });
    try {
      await uptime.createMonitor({
        name: "tls",
        target: secure.url(),
        intervalSeconds: 3600,
        http: { tlsExpiryDays: 7, ignoreTlsErrors: true },
      });
      events.length = 0;
      expect((await uptime.checkNow("tls")).result.ok).toBe(true);
      await uptime.checkNow("tls");
      const warnings = events.filter((e) => e.kind === "tls.expiring");
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ host: "127.0.0.1" });
      expect((warnings[0] as { daysLeft: number }).daysLeft).toBeCloseTo(3, 0);
      expect((await uptime.findMonitor("tls")).tlsExpiresAt).toBeInstanceOf(Date);
    } finally {
      secure.stop();
    }
  });

  test("a self-signed certificate fails the check unless told to ignore it", async () => {
    const secure = flakyHttpServer({ tls: selfSignedCertificate(30) });
    const uptime = await service();
    try {
      await uptime.createMonitor({ name: "strict-tls", target: secure.url(), intervalSeconds: 3600 });
      const { result } = await uptime.checkNow("strict-tls");
      expect(result.ok).toBe(false);
      expect(result.error).toMatch(/TLS|certificate/i);
    } finally {
      secure.stop();
    }
  });
});

describe("stats and status pages", () => {
  test("uptime percentages and latency percentiles", async () => {
    const uptime = await service();
    await uptime.createMonitor({ name: "stats", target: http.url(), intervalSeconds: 3600, retries: 5 });
    http.setHealthy(true);
    // Each answer waits 50 ms: the median latency has a floor the test sets and a ceiling it
    // measures (the slowest whole check, database writes included).
    http.setDelay(50);
    let slowestCheckMs = 0;
    try {
      for (let i = 0; i < 3; i++) {
        const started = performance.now();
        await uptime.checkNow("stats");
        slowestCheckMs = Math.max(slowestCheckMs, performance.now() - started);
      }
    } finally {
      http.setDelay(0);
    }
    http.setHealthy(false);
    await uptime.checkNow("stats");
    http.setHealthy(true);
    const stats = await uptime.stats("stats");
    expect(stats.uptime["24h"]).toBe(75);
    expect(stats.uptime["90d"]).toBe(75);
    expect(stats.latency["24h"].samples).toBe(3);
    expect(stats.latency["24h"].p50).toBeGreaterThanOrEqual(50);
    expect(stats.latency["24h"].p50).toBeLessThanOrEqual(Math.ceil(slowestCheckMs));
    expect(stats.daily).toHaveLength(90);
    expect(stats.daily.at(-1)).toMatchObject({ checks: 4, failures: 1 });
  });

  test("the status page shows the outage, and the recovery right after it", async () => {
    let pages: StatusPages | undefined;
    const uptime = await service({ onStateChange: () => pages?.invalidate() });
    pages = new StatusPages(uptime.store, { cacheMs: 60_000 });
    await uptime.createMonitor({
      name: "Checkout API",
      target: http.url(),
      intervalSeconds: 3600,
      retries: 0,
    });
    await pages.create({ slug: "shop", title: "Shop <status>", monitors: ["Checkout API"] });
    http.setHealthy(true);
    await uptime.checkNow("Checkout API");
    expect((await pages.render({ slug: "shop" }))!.html).toContain("All systems operational");
    http.setHealthy(false);
    await uptime.checkNow("Checkout API");
    const down = (await pages.render({ slug: "shop" }))!.html;
    expect(down).toContain("Major outage");
    expect(down).toContain("Ongoing incidents");
    expect(down).toContain("HTTP 503 (expected 200-399)");
    expect(down).toContain("Shop &lt;status&gt;");
    expect(down).not.toContain("<script");
    http.setHealthy(true);
    await uptime.checkNow("Checkout API");
    const up = (await pages.render({ slug: "shop" }))!.html;
    expect(up).toContain("All systems operational");
    expect(up).toContain("Past incidents");
    expect(await pages.render({ slug: "nope" })).toBeUndefined();
  });
});

describe("app monitors", () => {
  test("created once per app, URL kept in sync, a paused one stays paused", async () => {
    const uptime = await service();
    const app = { id: "app_abcdef123456", name: "blog" };
    const first = await uptime.ensureAppMonitor(app, http.url("/"));
    expect(first).toMatchObject({ name: "app:blog", auto: true, appId: app.id, intervalSeconds: 60 });
    await uptime.updateMonitor("app:blog", { enabled: false });
    const second = await uptime.ensureAppMonitor(app, http.url("/healthz"));
    expect(second.id).toBe(first.id);
    expect(second.target).toBe(http.url("/healthz"));
    expect(second.enabled).toBe(false);
    await uptime.removeAppMonitors(app.id);
    await expect(uptime.findMonitor("app:blog")).rejects.toThrow('Monitor "app:blog" does not exist.');
  });
});
