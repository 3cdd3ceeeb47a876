import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { Server, Subprocess } from "bun";
import { testClickHouse } from "../support/clickhouse.ts";
import { type PierProcess, repoRoot, runCli, startPier } from "../support/pier-process.ts";

// Traces through the compiled binary, sent by the real OpenTelemetry SDK and exporters (protobuf
// and JSON, gzip) and by @sentry/node (transactions and streamed spans), and one trace across two
// services whose call goes through pier's proxy.
const token = `pier_traces${crypto.randomUUID().replaceAll("-", "")}`;
const fixtures = join(import.meta.dir, "traces-fixtures");
let pier: PierProcess;
let project: { id: number; publicKey: string; dsn: string };
const clickhouse = await testClickHouse("traces_e2e");
const children: Subprocess[] = [];
const upstreams: Server<unknown>[] = [];

interface Span {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  service: string;
  name: string;
  kind: string;
  route: string;
  status: string;
  statusMessage: string | null;
  start: number;
  durationMs: number;
  entry: boolean;
  attributes: Record<string, unknown>;
  events: { name: string; time: number; attributes: Record<string, unknown> }[];
  source: string;
}

async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${pier.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${path} -> ${res.status}: ${JSON.stringify(json)}`);
  return json as T;
}

async function run(
  script: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<Record<string, string>> {
  const proc = Bun.spawn([process.execPath, join(fixtures, script), ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  const last = out.trim().split("\n").at(-1) ?? "";
  if (code !== 0 || !last.startsWith("{")) throw new Error(`${script} failed (${code}): ${out}\n${err}`);
  return JSON.parse(last);
}

/** The trace once it has `count` spans (exports and Sentry items are stored asynchronously). */
async function traceWith(traceId: string, count: number): Promise<Span[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const res = await fetch(`${pier.url}/api/v1/traces/${traceId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (res.ok) {
      const { spans } = (await res.json()) as { spans: Span[] };
      if (spans.length >= count) return spans;
    }
    if (Date.now() > deadline) throw new Error(`trace ${traceId} has not got ${count} spans (${res.status})`);
    await Bun.sleep(100);
  }
}

beforeAll(async () => {
  pier = await startPier({ env: { PIER_ADMIN_TOKEN: token }, args: ["--proxy-workers", "1"] });
  project = (
    await api<{ project: typeof project }>("/api/v1/errors/projects", {
      method: "POST",
      body: JSON.stringify({ name: "shop" }),
    })
  ).project;
  // An app host: /_pier/* on it belongs to pier, whatever the upstream.
  const upstream = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("shop") });
  upstreams.push(upstream);
  await api("/api/v1/routes", {
    method: "POST",
    body: JSON.stringify({ host: "shop.test", upstreams: [`http://127.0.0.1:${upstream.port}`] }),
  });
});

afterAll(async () => {
  for (const child of children) child.kill();
  for (const upstream of upstreams) upstream.stop(true);
  await pier?.stop();
  await clickhouse.dropDatabases();
});

describe("OTLP/HTTP ingest with the OpenTelemetry SDK", () => {
  for (const encoding of ["proto", "json"]) {
    test(`${encoding} exporter: spans arrive with attributes, events, parent links, status and timings`, async () => {
      const ids = await run("otel-export.ts", [encoding, `${pier.url}/v1/traces`, project.publicKey]);
      const spans = await traceWith(ids.traceId!, 3);
      expect(spans).toHaveLength(3);
      const root = spans.find((s) => s.spanId === ids.rootSpanId)!;
      const child = spans.find((s) => s.spanId === ids.childSpanId)!;
      const render = spans.find((s) => s.name === "render")!;
      expect(root).toMatchObject({
        parentSpanId: null,
        service: `shop-${encoding}`,
        kind: "server",
        route: "GET /orders/:id",
        entry: true,
        source: "otlp",
      });
      expect(root.attributes).toMatchObject({
        "http.route": "/orders/:id",
        "http.response.status_code": 200,
      });
      expect(child).toMatchObject({ parentSpanId: ids.rootSpanId, kind: "client", entry: false });
      expect(child.attributes).toEqual({ "db.system": "postgresql", "db.rows": 3, "db.cached": false });
      expect(child.events).toHaveLength(1);
      expect(child.events[0]).toMatchObject({ name: "cache miss", attributes: { "cache.key": "order:42" } });
      expect(child.events[0]!.time).toBeGreaterThanOrEqual(child.start);
      // The child slept 40 ms; the root contains it.
      expect(child.durationMs).toBeGreaterThanOrEqual(39);
      expect(root.durationMs).toBeGreaterThanOrEqual(child.durationMs);
      expect(child.start).toBeGreaterThanOrEqual(root.start);
      expect(Math.abs(root.start - Date.now())).toBeLessThan(60_000);
      expect(render).toMatchObject({
        parentSpanId: ids.rootSpanId,
        status: "error",
        statusMessage: "template failed",
      });
    });
  }

  test("the query API filters by service, duration and status, and gives percentiles per route", async () => {
    const list = await api<{ traces: Span[]; total: number }>(
      `/api/v1/traces?service=shop-proto&minDurationMs=30`,
    );
    expect(list.total).toBe(1);
    expect(list.traces[0]).toMatchObject({ route: "GET /orders/:id", entry: true });
    const none = await api<{ total: number }>(`/api/v1/traces?service=shop-proto&minDurationMs=60000`);
    expect(none.total).toBe(0);
    const errors = await api<{ total: number }>(`/api/v1/traces?status=error`);
    expect(errors.total).toBe(0); // render is not an entry span; its root's status is unset
    const stats = await api<{
      routes: {
        service: string;
        route: string;
        count: number;
        p50: number;
        p99: number;
        series: { count: number }[];
      }[];
    }>(`/api/v1/traces/routes?period=1h`);
    const orders = stats.routes.filter((r) => r.route === "GET /orders/:id");
    expect(orders.map((r) => r.service).sort()).toEqual(["shop-json", "shop-proto"]);
    for (const r of orders) {
      expect(r.count).toBe(1);
      expect(r.p50).toBeGreaterThanOrEqual(39);
      expect(r.series.reduce((n, b) => n + b.count, 0)).toBe(1);
    }
    const services = await api<{ services: string[] }>(`/api/v1/traces/services`);
    expect(services.services).toEqual(expect.arrayContaining(["shop-json", "shop-proto"]));
  });

  test("a bad key is 401, a bad body 400, a huge one 413, a wrong type 415; gzip JSON by hand works", async () => {
    const post = (body: BodyInit, headers: Record<string, string>) =>
      fetch(`${pier.url}/v1/traces`, { method: "POST", body, headers });
    const bad = await post("{}", { "content-type": "application/json", "x-pier-key": "0".repeat(32) });
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("invalid_key");
    expect((await post("{}", { "content-type": "application/json" })).status).toBe(401);
    const key = { "x-pier-key": project.publicKey };
    expect((await post("{nope", { "content-type": "application/json", ...key })).status).toBe(400);
    expect(
      (await post(new Uint8Array([0x0a, 0xff]), { "content-type": "application/x-protobuf", ...key })).status,
    ).toBe(400);
    expect((await post("x", { "content-type": "text/plain", ...key })).status).toBe(415);
    const big = await post(new Uint8Array(5 * 1024 * 1024), {
      "content-type": "application/x-protobuf",
      ...key,
    });
    expect(big.status).toBe(413);
    const traceId = "5b8efff798038103d269b633813fc60c";
    // One clock reading: two could straddle a millisecond and make the span 6 ms long.
    const startNs = BigInt(Date.now()) * 1_000_000n;
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: "service.name", value: { stringValue: "by-hand" } }] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId,
                  spanId: "eee19b7ec3c1b174",
                  name: "GET /hand",
                  kind: 2,
                  startTimeUnixNano: String(startNs),
                  endTimeUnixNano: String(startNs + 5_000_000n),
                  attributes: [{ key: "big", value: { intValue: "9007199254740993" } }],
                  status: { code: 2 },
                },
              ],
            },
          ],
        },
      ],
    };
    // Through an app host's /_pier/otlp/ path, as an app in a container would send it.
    const res = await fetch(`http://127.0.0.1:${pier.httpPort}/_pier/otlp/v1/traces`, {
      method: "POST",
      body: new Uint8Array(gzipSync(JSON.stringify(body))),
      headers: { host: "shop.test", "content-type": "application/json", "content-encoding": "gzip", ...key },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    const [span] = await traceWith(traceId, 1);
    expect(span).toMatchObject({
      service: "by-hand",
      status: "error",
      durationMs: 5,
      attributes: { big: "9007199254740993" },
    });
  });
});

describe("pier traces (CLI)", () => {
  test("routes, list and show print what the API answers", async () => {
    const env = { PIER_URL: pier.url, PIER_TOKEN: token };
    const routes = await runCli(["traces", "routes", "--service", "shop-proto", "--period", "1h"], env);
    expect(routes.code).toBe(0);
    expect(routes.stdout).toContain("shop-proto  GET /orders/:id");
    const list = await runCli(["traces", "list", "--service", "shop-proto", "--slowest", "--json"], env);
    expect(list.code).toBe(0);
    const [first] = JSON.parse(list.stdout) as Span[];
    const show = await runCli(["traces", "show", first!.traceId], env);
    expect(show.code).toBe(0);
    const lines = show.stdout.trim().split("\n");
    expect(lines).toHaveLength(4); // the header, the root, its two children indented under it
    expect(lines[1]).toContain("shop-proto: GET /orders/:id");
    expect(lines.slice(2).every((line) => line.includes("    shop-proto: "))).toBe(true);
    expect(lines[1]).not.toContain("    shop-proto: ");
    expect(show.stdout).toContain("render ✗");
  });
});

describe("Sentry SDK tracing", () => {
  for (const sdk of ["node", "bun"]) {
    for (const lifecycle of ["static", "stream"]) {
      test(`@sentry/${sdk} ${lifecycle === "static" ? "transactions" : "streamed span items"} are stored as traces`, async () => {
        const { traceId } = await run("sentry-spans.ts", [lifecycle, sdk], { SENTRY_DSN: project.dsn });
        const spans = await traceWith(traceId!, 2);
        const root = spans.find((s) => s.parentSpanId === null)!;
        const child = spans.find((s) => s.name === "load cart")!;
        expect(root).toMatchObject({
          route: `GET /cart/${lifecycle}`,
          kind: "server",
          entry: true,
          source: "sentry",
          service: "shop",
        });
        expect(child).toMatchObject({ parentSpanId: root.spanId, kind: "client", entry: false });
        expect(child.durationMs).toBeGreaterThanOrEqual(29);
        expect(root.durationMs).toBeGreaterThanOrEqual(child.durationMs);
      });
    }
  }
});

describe("a trace across two services through pier's proxy", () => {
  test("the proxy passes traceparent untouched and both services' spans make one trace", async () => {
    const env = { OTLP_URL: `${pier.url}/v1/traces`, PIER_KEY: project.publicKey, SERVICE: "stock" };
    const server = Bun.spawn([process.execPath, join(fixtures, "otel-service.ts"), "serve"], {
      cwd: repoRoot,
      env: { ...process.env, ...env, OTEL_BSP_SCHEDULE_DELAY: "100" },
      stdout: "pipe",
      stderr: "inherit",
    });
    children.push(server);
    const reader = server.stdout.getReader();
    const { value } = await reader.read();
    const { port } = JSON.parse(new TextDecoder().decode(value)) as { port: number };
    await api("/api/v1/routes", {
      method: "POST",
      body: JSON.stringify({ host: "stock.test", upstreams: [`http://127.0.0.1:${port}`] }),
    });
    const out = await run(
      "otel-service.ts",
      ["call", `http://127.0.0.1:${pier.httpPort}/stock`, "stock.test"],
      {
        ...env,
        SERVICE: "checkout",
      },
    );
    expect(out.received).toBe(out.sent!);
    expect(out.sent).toStartWith(`00-${out.traceId}-${out.clientSpanId}-`);
    const spans = await traceWith(out.traceId!, 3);
    const stock = spans.find((s) => s.service === "stock")!;
    const client = spans.find((s) => s.spanId === out.clientSpanId)!;
    expect(client.service).toBe("checkout");
    expect(stock).toMatchObject({ parentSpanId: out.clientSpanId, entry: true, route: "GET /stock" });
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([out.traceId!]));
  });
});

describe.skipIf(!clickhouse.available)("with PIER_CLICKHOUSE_URL", () => {
  test("spans go to ClickHouse and read back the same way", async () => {
    const database = clickhouse.freshDatabase();
    const other = await startPier({
      env: { PIER_ADMIN_TOKEN: token, PIER_CLICKHOUSE_URL: `${clickhouse.url}/${database}` },
      args: ["--proxy-workers", "1"],
    });
    try {
      const res = await fetch(`${other.url}/api/v1/errors/projects`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "ch" }),
      });
      const { project: chProject } = (await res.json()) as { project: typeof project };
      const ids = await run("otel-export.ts", ["proto", `${other.url}/v1/traces`, chProject.publicKey]);
      expect(Number(await clickhouse.query(`SELECT count() FROM ${database}.trace_project_spans`))).toBe(3);
      const traceRes = await fetch(`${other.url}/api/v1/traces/${ids.traceId}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const { spans } = (await traceRes.json()) as { spans: Span[] };
      expect(spans.map((s) => s.spanId).sort()).toEqual(
        [ids.rootSpanId!, ids.childSpanId!, spans.find((s) => s.name === "render")!.spanId].sort(),
      );
      const child = spans.find((s) => s.spanId === ids.childSpanId)!;
      expect(child).toMatchObject({ parentSpanId: ids.rootSpanId, attributes: { "db.rows": 3 } });
    } finally {
      await other.stop();
    }
  });
});
