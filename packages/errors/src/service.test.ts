import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { silentLogger } from "@pier/core";
import { type Database, openDatabase } from "@pier/db";
import { SQL } from "bun";
import { testClickHouse } from "../../../test/support/clickhouse.ts";
import { testPostgresUrl } from "../../../test/support/database-backends.ts";
import { webhookSignature } from "./notify/webhook.ts";
import { createErrorsService, type ErrorsService } from "./service.ts";

// The service on a real database: ingest requests in, issues and events out. Runs on SQLite, on
// PostgreSQL when PIER_TEST_POSTGRES_URL is set and with ClickHouse events when ClickHouse answers.
const postgresUrl = testPostgresUrl();
const clickhouse = await testClickHouse("errors_test");

interface Backend {
  name: string;
  open(): Promise<{ database: Database; clickhouseDatabase?: string; cleanup(): Promise<void> }>;
}
const backends: Backend[] = [
  {
    name: "sqlite",
    async open() {
      const database = await openDatabase({ dataDir: mkdtempSync(join(tmpdir(), "pier-errors-")) });
      return { database, cleanup: () => database.close() };
    },
  },
];
if (postgresUrl) {
  backends.push({
    name: "postgres",
    async open() {
      const admin = new SQL(postgresUrl);
      const name = `pier_errors_${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;
      await admin.unsafe(`CREATE DATABASE ${name}`);
      const url = new URL(postgresUrl);
      url.pathname = `/${name}`;
      const database = await openDatabase({ dataDir: "/nonexistent", databaseUrl: url.toString() });
      return {
        database,
        async cleanup() {
          await database.close();
          await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          await admin.close();
        },
      };
    },
  });
}
if (clickhouse.available) {
  backends.push({
    name: "sqlite+clickhouse",
    async open() {
      const database = await openDatabase({ dataDir: mkdtempSync(join(tmpdir(), "pier-errors-")) });
      return {
        database,
        clickhouseDatabase: clickhouse.freshDatabase(),
        async cleanup() {
          await database.close();
          await clickhouse.dropDatabases();
        },
      };
    },
  });
}

const webhooks: { event: string; body: string; signature: string | null; timestamp: string }[] = [];
const receiver = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(req) {
    webhooks.push({
      event: req.headers.get("x-pier-event") ?? "",
      body: await req.text(),
      signature: req.headers.get("x-pier-signature"),
      timestamp: req.headers.get("x-pier-timestamp") ?? "",
    });
    return new Response("ok");
  },
});
afterAll(() => receiver.stop(true));

function envelope(events: Record<string, unknown>[], header: Record<string, unknown> = {}): string {
  const lines = [JSON.stringify(header)];
  for (const e of events) lines.push(JSON.stringify({ type: "event" }), JSON.stringify(e));
  return `${lines.join("\n")}\n`;
}

const thrown = (fn: string, release?: string, extra: Record<string, unknown> = {}) => ({
  release,
  environment: "production",
  exception: {
    values: [
      {
        type: "Error",
        value: "boom",
        stacktrace: {
          frames: [{ filename: "/srv/app.js", function: fn, lineno: Math.floor(Math.random() * 100) }],
        },
      },
    ],
  },
  ...extra,
});

for (const backend of backends) {
  describe(`errors service on ${backend.name}`, () => {
    let service: ErrorsService;
    let cleanup: () => Promise<void>;
    let projectId: number;
    let key: string;

    const post = (
      body: BodyInit,
      init: { path?: string; headers?: Record<string, string>; kind?: "envelope" | "store" } = {},
    ) => {
      const kind = init.kind ?? "envelope";
      const path = init.path ?? `/api/${projectId}/${kind}/`;
      const route = path.endsWith("/tunnel")
        ? { kind, projectId: null }
        : { kind, projectId: String(projectId) };
      return service.ingest(
        new Request(`http://127.0.0.1${path}`, {
          method: "POST",
          headers: { "x-sentry-auth": `Sentry sentry_version=7, sentry_key=${key}`, ...init.headers },
          body,
        }),
        route,
      );
    };

    beforeAll(async () => {
      const opened = await backend.open();
      cleanup = opened.cleanup;
      service = await createErrorsService({
        database: opened.database,
        logger: silentLogger,
        consoleUrl: "http://console.test",
        clickhouseUrl: opened.clickhouseDatabase ? clickhouse.url : undefined,
        clickhouseDatabase: opened.clickhouseDatabase,
        secretBox: { encrypt: async (s) => `sealed:${s}`, decrypt: async (s) => s.slice(7) },
      });
      const project = await service.projects.create({ name: `api-${backend.name}` });
      await service.projects.update(project.id, {
        webhookUrl: `http://127.0.0.1:${receiver.port}/hook`,
        webhookSecretSealed: "sealed:s3cret",
      });
      projectId = project.id;
      key = project.publicKey;
    });
    afterAll(async () => {
      await service?.stop();
      await cleanup?.();
    });

    test("exceptions group into one issue with counts, users, tags and a latest event", async () => {
      for (let i = 0; i < 3; i++) {
        const res = await post(
          envelope([thrown("charge", "1.0.0", { user: { id: `u${i % 2}` }, tags: { region: "eu" } })]),
        );
        expect(res.status).toBe(200);
        expect((await res.json()).id).toMatch(/^[0-9a-f]{32}$/);
      }
      await service.settled();
      const { issues } = await service.issues.list({ projectId });
      expect(issues).toHaveLength(1);
      const issue = issues[0]!;
      expect(issue).toMatchObject({
        title: "Error: boom",
        culprit: "charge(/srv/app.js)",
        count: 3,
        usersCount: 2,
      });
      const tags = await service.issues.tags(issue.id);
      expect(tags.find((t) => t.key === "region")?.topValues).toEqual([
        expect.objectContaining({ value: "eu", count: 3 }),
      ]);
      const latest = await service.latestEvent(issue);
      expect(latest?.exceptions[0]?.frames[0]?.function).toBe("charge");
      const histogram = await service.events.histogram(issue.id, Date.now() - 3600_000, 3600_000);
      expect(histogram.reduce((n, b) => n + b.count, 0)).toBe(3);
      expect((await service.events.list(issue.id, 10)).length).toBe(3);
      expect((await service.events.countsByProject(Date.now() - 3600_000)).get(projectId)).toBe(3);
      expect((await service.events.countsByProject(Date.now() + 3600_000)).size).toBe(0);
      const created = webhooks.find((w) => w.event === "issue.created" && w.body.includes(issue.id));
      for (let i = 0; i < 50 && !webhooks.some((w) => w.body.includes(issue.id)); i++) await Bun.sleep(20);
      const hook = created ?? webhooks.find((w) => w.body.includes(issue.id))!;
      expect(hook.event).toBe("issue.created");
      expect(hook.signature).toBe(webhookSignature("s3cret", hook.timestamp, hook.body));
    });

    test("resolve, same release stays resolved, newer release regresses and notifies", async () => {
      await post(envelope([thrown("refund", "2.0.0")]));
      await service.settled();
      const [issue] = (await service.issues.list({ projectId, query: "" })).issues.filter((i) =>
        i.culprit.startsWith("refund"),
      );
      await service.setStatus(issue!, "resolved");
      await post(envelope([thrown("refund", "2.0.0")]));
      await service.settled();
      expect((await service.issues.get(issue!.id))?.status).toBe("resolved");
      await post(envelope([thrown("refund", "2.1.0")]));
      await service.settled();
      expect(await service.issues.get(issue!.id)).toMatchObject({
        status: "unresolved",
        substatus: "regressed",
        count: 3,
      });
      for (
        let i = 0;
        i < 50 && !webhooks.some((w) => w.event === "issue.regressed" && w.body.includes(issue!.id));
        i++
      )
        await Bun.sleep(20);
      expect(webhooks.some((w) => w.event === "issue.regressed" && w.body.includes(issue!.id))).toBe(true);
    });

    test("filters by status, environment, release and level; sorts by count", async () => {
      await post(envelope([thrown("staging-only", "3.0.0", { environment: "staging" })]));
      await service.settled();
      const staging = await service.issues.list({ projectId, environment: "staging" });
      expect(staging.issues.map((i) => i.culprit)).toEqual(["staging-only(/srv/app.js)"]);
      const byRelease = await service.issues.list({ projectId, release: "1.0.0" });
      expect(byRelease.issues.map((i) => i.culprit)).toEqual(["charge(/srv/app.js)"]);
      expect((await service.issues.list({ projectId, level: "error" })).total).toBeGreaterThan(0);
      expect((await service.issues.list({ projectId, level: "debug" })).total).toBe(0);
      const byCount = await service.issues.list({ projectId, sort: "count" });
      expect(byCount.issues[0]!.count).toBeGreaterThanOrEqual(byCount.issues[1]!.count);
      const ignoredTarget = staging.issues[0]!;
      await service.setStatus(ignoredTarget, "ignored");
      expect((await service.issues.list({ projectId, status: "ignored" })).issues.map((i) => i.id)).toEqual([
        ignoredTarget.id,
      ]);
    });

    test("store endpoint, gzip bodies, tunnel DSN and dropped item types", async () => {
      const store = await post(JSON.stringify({ message: "legacy store 1" }), { kind: "store" });
      expect(store.status).toBe(200);
      const gz = await post(new Uint8Array(gzipSync(envelope([{ message: "gzipped 2" }]))), {
        headers: { "content-encoding": "gzip" },
      });
      expect(gz.status).toBe(200);
      const tunnel = await post(
        `${JSON.stringify({ dsn: `http://${key}@app.test/_pier/${projectId}` })}\n{"type":"event"}\n{"message":"tunnel 3"}\n{"type":"session"}\n{"status":"ok"}\n`,
        { path: "/_pier/errors/tunnel", headers: { "x-sentry-auth": "" } },
      );
      expect(tunnel.status).toBe(200);
      await service.settled();
      const { issues } = await service.issues.list({ projectId, query: "" });
      const messages = issues.filter((i) => i.groupingKind === "message").map((i) => i.title);
      expect(messages).toContain("legacy store 1");
      expect(messages).toContain("gzipped 2");
      expect(messages).toContain("tunnel 3");
      // numbers are normalized away for grouping, so these three are distinct only by words
      expect(service.stats.get(projectId).dropped_session).toBe(1);
    });

    test("item types the sender makes up share one counter; a type longer than Sentry's is refused", async () => {
      const items = ["__proto__", "constructor", "t_1", "t_2", "x".repeat(64)]
        .map((type) => `{"type":${JSON.stringify(type)}}\n{}\n`)
        .join("");
      const before = service.stats.get(projectId).dropped_other ?? 0;
      expect((await post(`{}\n${items}`)).status).toBe(200);
      const stats = service.stats.get(projectId);
      expect(stats.dropped_other).toBe(before + 5);
      expect(Object.keys(stats).filter((name) => /proto|constructor|t_\d|xxxx/.test(name))).toEqual([]);
      const long = await post(`{}\n{"type":${JSON.stringify("x".repeat(65))}}\n{}\n`);
      expect(long.status).toBe(400);
    });

    test("bad input answers 4xx with a reason", async () => {
      const cases: [Response, number, string][] = [
        [await post("not an envelope"), 400, "malformed_payload"],
        [await post("{}\n{}\n{}"), 400, "malformed_payload"],
        [
          await post(envelope([]), { headers: { "x-sentry-auth": "Sentry sentry_key=wrong" } }),
          401,
          "invalid_key",
        ],
        [await post("garbage", { headers: { "content-encoding": "gzip" } }), 400, "malformed_payload"],
        [await post("x".repeat(1024 * 1024 + 1)), 413, "payload_too_large"],
        [
          await post(new Uint8Array(gzipSync(new Uint8Array(11 * 1024 * 1024))), {
            headers: { "content-encoding": "gzip" },
          }),
          413,
          "payload_too_large",
        ],
        [await post('{}\n{"type":"event"}\n[1,2]\n'), 400, "malformed_payload"],
      ];
      for (const [res, status, code] of cases) {
        expect(res.status).toBe(status);
        expect((await res.json()).error.code).toBe(code);
        expect(res.headers.get("access-control-allow-origin")).toBe("*");
      }
    });

    test("an event item that opens an object but is not JSON: 400 here, or counted as invalid by the writer thread", async () => {
      const res = await post('{}\n{"type":"event"}\n{"message": broken\n');
      await service.settled();
      if (backend.name === "sqlite") {
        expect(res.status).toBe(200);
        expect(service.stats.get(projectId).invalid_event).toBe(1);
      } else {
        expect(res.status).toBe(400);
      }
    });

    test("rate limit per key answers 429 with Retry-After and X-Sentry-Rate-Limits", async () => {
      const limited = await service.projects.create({
        name: `limited-${backend.name}`,
        rateLimitPerMinute: 12,
      });
      let last: Response | undefined;
      for (let i = 0; i < 5; i++) {
        last = await service.ingest(
          new Request(`http://x/api/${limited.id}/envelope/?sentry_key=${limited.publicKey}`, {
            method: "POST",
            body: envelope([{ message: "m" }]),
          }),
          { kind: "envelope", projectId: String(limited.id) },
        );
      }
      expect(last!.status).toBe(429);
      expect(Number(last!.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(last!.headers.get("x-sentry-rate-limits")).toMatch(/^\d+::key$/);
    });

    test("title search ignores case; deleting a project removes its issues and events", async () => {
      const other = await service.projects.create({ name: `doomed-${backend.name}` });
      const res = await service.ingest(
        new Request(`http://x/api/${other.id}/store/?sentry_key=${other.publicKey}`, {
          method: "POST",
          body: JSON.stringify({ message: "Doomed Project Event" }),
        }),
        { kind: "store", projectId: String(other.id) },
      );
      const { id } = await res.json();
      await service.settled();
      const [issue] = (await service.issues.list({ projectId: other.id, query: "doomed PROJECT" })).issues;
      expect(issue?.title).toBe("Doomed Project Event");
      expect(await service.event(other.id, id)).not.toBeNull();
      await service.deleteProject(other);
      expect(await service.issues.get(issue!.id)).toBeUndefined();
      if (service.events.kind === "sql") expect(await service.event(other.id, id)).toBeNull();
    });

    test("title search matches _ and % as typed", async () => {
      const titles = ["deep_arr_100k", "deepXarr", "100% done", "100 done"];
      for (const message of titles) await post(envelope([{ message }]));
      await service.settled();
      const search = async (query: string) =>
        (await service.issues.list({ projectId, query })).issues.map((i) => i.title).sort();
      expect(await search("deep_arr")).toEqual(["deep_arr_100k"]);
      expect(await search("100%")).toEqual(["100% done"]);
    });

    test("retention purge removes old issues and their events", async () => {
      await service.purgeExpired(Date.now() + 31 * 86_400_000);
      expect((await service.issues.list({ projectId })).total).toBe(0);
    });
  });
}
