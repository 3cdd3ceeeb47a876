/**
 * OTLP/HTTP log export into pier's log store, with the real OpenTelemetry logs SDK and both OTLP
 * exporters (protobuf and JSON, gzip), on the console and through an app host's /_pier/otlp/.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { gzipSync } from "node:zlib";
import { SeverityNumber } from "@opentelemetry/api";
import { OTLPLogExporter as JsonExporter } from "@opentelemetry/exporter-logs-otlp-http";
import { OTLPLogExporter as ProtoExporter } from "@opentelemetry/exporter-logs-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchLogRecordProcessor, LoggerProvider } from "@opentelemetry/sdk-logs";
import { type PierProcess, startPier } from "../support/pier-process.ts";

const token = `pier_otlplogs${crypto.randomUUID().replaceAll("-", "")}`;
let pier: PierProcess;
let key: string;
let standaloneKey: string;
const upstreams: { stop(force: boolean): void }[] = [];

interface Line {
  id: number;
  ts: string;
  env: string;
  release: string;
  replica: string;
  stream: string;
  level: string | null;
  line: string;
  attrs: Record<string, unknown> | null;
}

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${pier.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path} -> ${res.status}: ${JSON.stringify(json)}`);
  return json as T;
}

const search = (query: Record<string, string>) =>
  api<{ lines: Line[] }>("GET", `/api/v1/logs/shop?${new URLSearchParams(query)}`).then((r) => r.lines);

async function linesWith(grep: string, count: number): Promise<Line[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const lines = await search({ grep });
    if (lines.length >= count) return lines;
    if (Date.now() > deadline) throw new Error(`"${grep}": ${lines.length} of ${count} lines stored`);
    await Bun.sleep(100);
  }
}

/** Emits through the SDK's LoggerProvider and an OTLP exporter, then flushes and shuts down. */
async function exportWith(encoding: "proto" | "json", url: string, marker: string): Promise<void> {
  const options = { url, headers: { "x-pier-key": key }, compression: "gzip" as never };
  const exporter = encoding === "proto" ? new ProtoExporter(options) : new JsonExporter(options);
  const failures: unknown[] = [];
  const original = exporter.export.bind(exporter);
  exporter.export = (records, done) =>
    original(records, (result) => {
      if (result.error) failures.push(result.error);
      done(result);
    });
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({
      "service.name": "checkout",
      "service.version": "2.4.1",
      "service.instance.id": `checkout-${encoding}-1`,
      "deployment.environment.name": "staging",
    }),
    processors: [new BatchLogRecordProcessor({ exporter })],
  });
  const logger = provider.getLogger("pier-e2e", "1.0.0");
  logger.emit({
    severityNumber: SeverityNumber.ERROR,
    severityText: "ERROR",
    body: `payment failed ${marker}`,
    attributes: { "order.id": 42, "payment.retry": true },
  });
  logger.emit({ severityNumber: SeverityNumber.INFO, body: `order placed ${marker}` });
  logger.emit({ severityNumber: SeverityNumber.WARN, body: { event: "slow", ms: 1200, marker } });
  await provider.forceFlush();
  await provider.shutdown();
  expect(failures).toEqual([]);
}

beforeAll(async () => {
  pier = await startPier({ env: { PIER_ADMIN_TOKEN: token }, args: ["--proxy-workers", "1"] });
  await api("POST", "/api/v1/apps", { name: "shop" });
  key = (await api<{ project: { publicKey: string } }>("PUT", "/api/v1/errors/apps/shop/project")).project
    .publicKey;
  standaloneKey = (
    await api<{ project: { publicKey: string } }>("POST", "/api/v1/errors/projects", { name: "lonely" })
  ).project.publicKey;
  const upstream = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("shop") });
  upstreams.push(upstream);
  await api("POST", "/api/v1/routes", {
    host: "shop.test",
    upstreams: [`http://127.0.0.1:${upstream.port}`],
  });
});

afterAll(async () => {
  for (const upstream of upstreams) upstream.stop(true);
  await pier?.stop();
});

describe("OTLP/HTTP logs with the OpenTelemetry SDK", () => {
  for (const encoding of ["proto", "json"] as const) {
    test(`${encoding} exporter (gzip): records arrive with level, resource, attributes`, async () => {
      const marker = `m-${encoding}-${Date.now()}`;
      await exportWith(encoding, `${pier.url}/v1/logs`, marker);
      const lines = await linesWith(marker, 3);
      const failed = lines.find((l) => l.line === `payment failed ${marker}`)!;
      expect(failed).toMatchObject({
        env: "staging",
        release: "2.4.1",
        replica: `checkout-${encoding}-1`,
        stream: "otlp",
        level: "error",
      });
      expect(failed.attrs).toMatchObject({
        "order.id": 42,
        "payment.retry": true,
        "service.name": "checkout",
        "otel.scope": "pier-e2e",
      });
      expect(lines.find((l) => l.line === `order placed ${marker}`)!.level).toBe("info");
      const slow = lines.find((l) => l.line.startsWith("{"))!;
      expect(JSON.parse(slow.line)).toEqual({ event: "slow", ms: 1200, marker });
      expect(slow.level).toBe("warn");
      expect(Math.abs(Date.parse(failed.ts) - Date.now())).toBeLessThan(60_000);
      // The same filters as the containers' lines.
      expect((await search({ grep: marker, level: "error" })).map((l) => l.line)).toEqual([
        `payment failed ${marker}`,
      ]);
      expect(await search({ grep: marker, stream: "otlp", release: "2.4.1", env: "staging" })).toHaveLength(
        3,
      );
    }, 30_000);
  }

  test("through an app host's /_pier/otlp/v1/logs (the proxy forwards it)", async () => {
    const marker = `m-apphost-${Date.now()}`;
    const body = {
      resourceLogs: [
        {
          resource: { attributes: [{ key: "service.name", value: { stringValue: "web" } }] },
          scopeLogs: [
            {
              logRecords: [
                {
                  timeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
                  severityNumber: 17,
                  body: { stringValue: `from the browser ${marker}` },
                  traceId: "0af7651916cd43dd8448eb211c80319c",
                  spanId: "b7ad6b7169203331",
                },
              ],
            },
          ],
        },
      ],
    };
    const res = await fetch(`http://127.0.0.1:${pier.httpPort}/_pier/otlp/v1/logs`, {
      method: "POST",
      headers: {
        host: "shop.test",
        "content-type": "application/json",
        "content-encoding": "gzip",
        "x-pier-key": key,
      },
      body: new Uint8Array(gzipSync(JSON.stringify(body))),
    });
    expect(res.status).toBe(200);
    const [line] = await linesWith(marker, 1);
    expect(line).toMatchObject({ level: "error", replica: "web", env: "production", release: "" });
    expect(line!.attrs).toMatchObject({
      trace_id: "0af7651916cd43dd8448eb211c80319c",
      span_id: "b7ad6b7169203331",
    });
  });

  test("refusals: no key, a wrong key, a project without an app, bad bodies, a bomb", async () => {
    const post = (body: BodyInit, headers: Record<string, string>) =>
      fetch(`${pier.url}/v1/logs`, { method: "POST", body, headers });
    const json = { "content-type": "application/json" };
    expect((await post("{}", json)).status).toBe(401);
    expect((await post("{}", { ...json, "x-pier-key": "0".repeat(32) })).status).toBe(401);
    const lonely = await post("{}", { ...json, "x-pier-key": standaloneKey });
    expect(lonely.status).toBe(403);
    expect(((await lonely.json()) as { error: { code: string } }).error.code).toBe("no_app");
    expect((await post("{}", { "content-type": "text/plain", "x-pier-key": key })).status).toBe(415);
    expect((await post("not json", { ...json, "x-pier-key": key })).status).toBe(400);
    expect((await post('{"resourceLogs":"x"}', { ...json, "x-pier-key": key })).status).toBe(400);
    const proto = await post(new Uint8Array([0x0a, 0x05, 0x01]), {
      "content-type": "application/x-protobuf",
      "x-pier-key": key,
    });
    expect(proto.status).toBe(400);
    expect(proto.headers.get("content-type")).toBe("application/x-protobuf");
    const bomb = new Uint8Array(gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20)));
    expect((await post(bomb, { ...json, "content-encoding": "gzip", "x-pier-key": key })).status).toBe(413);
    expect((await post("{}", { ...json, authorization: `Bearer ${key}` })).status).toBe(200);
    expect((await fetch(`${pier.url}/healthz`)).status).toBe(200);
  });
});
