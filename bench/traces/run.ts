// OTLP trace ingest: pre-built OTLP/JSON export requests (gzip, 512 spans each: 64 requests of 8
// spans, as a BatchSpanProcessor sends them) posted by a few concurrent "exporters" to the compiled
// binary's /v1/traces on SQLite, each answered once its spans are stored. Then the query API over
// what was stored. Reports spans/s, request latency, pier's RSS and query times.
// Run with `make bench-traces` (after `make build`). Env: BATCHES (200), CONCURRENCY (4).
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { gzipSync } from "node:zlib";
import { startPier } from "../../test/support/pier-process.ts";
import { machineLine, writePerformanceSection } from "../support/performance-doc.ts";

const batches = Math.min(2000, Number(process.env.BATCHES ?? 200));
const concurrency = Math.min(32, Number(process.env.CONCURRENCY ?? 4));
const token = `pier_bench${crypto.randomUUID().replaceAll("-", "")}`;
const routes = ["/orders/:id", "/cart", "/checkout", "/users/:id", "/search", "/health"];

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0) / 1024;
}

const hex = (bytes: number) => Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("hex");
const attr = (key: string, value: string | number) => ({
  key,
  value: typeof value === "string" ? { stringValue: value } : { intValue: String(value) },
});

/** One export request: 64 requests, each a server span with 7 children (database, cache, outbound call). */
function exportBody(batch: number): Uint8Array<ArrayBuffer> {
  const spans: unknown[] = [];
  const base = BigInt(Date.now() - 600_000 + batch * 100) * 1_000_000n;
  for (let r = 0; r < 64; r++) {
    const traceId = hex(16);
    const rootId = hex(8);
    const route = routes[(batch + r) % routes.length]!;
    const start = base + BigInt(r) * 1_000_000n;
    const rootMs = 5 + ((batch * 7 + r * 13) % 200);
    spans.push({
      traceId,
      spanId: rootId,
      name: `GET ${route}`,
      kind: 2,
      startTimeUnixNano: String(start),
      endTimeUnixNano: String(start + BigInt(rootMs) * 1_000_000n),
      attributes: [
        attr("http.route", route),
        attr("http.request.method", "GET"),
        attr("http.response.status_code", 200),
        attr("url.path", route.replace(":id", String(r))),
        attr("user_agent.original", "Mozilla/5.0 (X11; Linux x86_64)"),
      ],
      status: { code: r % 50 === 0 ? 2 : 0 },
    });
    for (let c = 0; c < 7; c++) {
      const childStart = start + BigInt(c) * 500_000n;
      spans.push({
        traceId,
        spanId: hex(8),
        parentSpanId: rootId,
        name: c % 2 === 0 ? "SELECT orders WHERE id = $1" : "GET cache",
        kind: 3,
        startTimeUnixNano: String(childStart),
        endTimeUnixNano: String(childStart + 400_000n),
        attributes: [attr("db.system", "postgresql"), attr("db.operation", "SELECT"), attr("db.rows", c)],
        events:
          c === 3 ? [{ timeUnixNano: String(childStart), name: "retry", attributes: [attr("n", 1)] }] : [],
      });
    }
  }
  const request = {
    resourceSpans: [
      {
        resource: { attributes: [attr("service.name", "shop-api"), attr("service.version", "2.4.1")] },
        scopeSpans: [{ scope: { name: "bench" }, spans }],
      },
    ],
  };
  return new Uint8Array(gzipSync(JSON.stringify(request)));
}

const pier = await startPier({ env: { PIER_ADMIN_TOKEN: token }, args: ["--proxy-workers", "1"] });
const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
try {
  const created = await fetch(`${pier.url}/api/v1/errors/projects`, {
    method: "POST",
    headers,
    body: JSON.stringify({ name: "bench", rateLimitPerMinute: 0 }),
  });
  const { project } = (await created.json()) as { project: { publicKey: string } };
  console.log(`building ${batches} export requests of 512 spans...`);
  const bodies = Array.from({ length: batches }, (_, i) => exportBody(i));
  const bodyKb = bodies.reduce((n, b) => n + b.byteLength, 0) / batches / 1024;
  const load = loadavg()[0]!;
  const latencies: number[] = [];
  let failed = 0;
  let peakRss = 0;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, rssMb(pier.proc.pid));
  }, 100);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        const t = performance.now();
        const res = await fetch(`${pier.url}/v1/traces`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "content-encoding": "gzip",
            "x-pier-key": project.publicKey,
          },
          body,
        });
        await res.arrayBuffer();
        latencies.push(performance.now() - t);
        if (res.status !== 200) failed++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]!;
  const spansPerSecond = (batches * 512) / seconds;

  async function timed(path: string, runs = 5): Promise<number> {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      const res = await fetch(`${pier.url}${path}`, { headers });
      if (!res.ok) throw new Error(`${path} -> ${res.status}`);
      await res.arrayBuffer();
      times.push(performance.now() - t);
    }
    return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
  }
  const list = (await (
    await fetch(`${pier.url}/api/v1/traces?sort=slowest&limit=1`, { headers })
  ).json()) as {
    traces: { traceId: string }[];
    total: number;
  };
  const queries = {
    routes: await timed("/api/v1/traces/routes?period=1h"),
    slowest: await timed("/api/v1/traces?sort=slowest&limit=50&period=1h"),
    filtered: await timed(
      `/api/v1/traces?route=${encodeURIComponent("GET /cart")}&minDurationMs=100&period=1h`,
    ),
    trace: await timed(`/api/v1/traces/${list.traces[0]!.traceId}`),
  };
  const spans = batches * 512;
  console.log({
    spansPerSecond,
    p50: pct(50),
    p99: pct(99),
    failed,
    peakRss,
    queries,
    load,
    entries: list.total,
  });

  writePerformanceSection(
    "Trace ingest",
    `| measure | value |
| --- | --- |
| spans stored per second (${concurrency} concurrent exporters, ${spans.toLocaleString("en")} spans) | ${Math.round(spansPerSecond).toLocaleString("en")} |
| export request (512 spans, OTLP/JSON gzip, ${bodyKb.toFixed(1)} KB as sent) | p50 ${pct(50).toFixed(1)} ms, p99 ${pct(99).toFixed(1)} ms |
| refused or failed | ${failed} |
| pier RSS at most during the run | ${Math.round(peakRss)} MB |
| \`GET /api/v1/traces/routes?period=1h\` (p50/p95/p99 of ${list.total.toLocaleString("en")} requests, 6 routes) | ${queries.routes.toFixed(1)} ms |
| \`GET /api/v1/traces?sort=slowest&limit=50\` | ${queries.slowest.toFixed(1)} ms |
| \`GET /api/v1/traces?route=…&minDurationMs=100\` | ${queries.filtered.toFixed(1)} ms |
| \`GET /api/v1/traces/:traceId\` (8 spans) | ${queries.trace.toFixed(1)} ms |

Export requests built as an OpenTelemetry BatchSpanProcessor sends them (64 requests of 8 spans,
attributes on every span) and posted to the console port of the compiled binary on SQLite
(\`traces.db\`); each is answered after its spans are decoded and written in one transaction on
the main thread. Query times are the median of 5 calls over what the run stored. The load
generator (Bun fetch) runs on the same 2 cores; the machine is shared with other agents (load
average ${load.toFixed(1)} when measured), so the rates are a floor.

Command: \`bun bench/traces/run.ts\` (BATCHES=${batches}, CONCURRENCY=${concurrency}). Machine: ${machineLine()}.`,
  );
} finally {
  await pier.stop();
}
