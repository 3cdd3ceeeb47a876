// Sustained ingest into SQLite: concurrent envelope posts (one @sentry/node-shaped event each) to the
// compiled binary's console port, events/s that reach storage, and pier's RSS while it happens.
// Run with `make bench-errors` (after `make build`). Env: DURATION_S, CONCURRENCY, ISSUES.
import { readFileSync } from "node:fs";
import { startPier } from "../../test/support/pier-process.ts";
import { machineLine, writePerformanceSection } from "../support/performance-doc.ts";

const durationS = Number(process.env.DURATION_S ?? 15);
const warmupS = Number(process.env.WARMUP_S ?? 2);
const concurrency = Number(process.env.CONCURRENCY ?? 32);
const distinctIssues = Number(process.env.ISSUES ?? 50);
const token = `pier_bench${crypto.randomUUID().replaceAll("-", "")}`;

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0) / 1024;
}

/** An event shaped like @sentry/node 11 sends for a thrown TypeError: 12 frames, breadcrumbs, contexts. */
function eventJson(variant: number): string {
  const frames = Array.from({ length: 12 }, (_, i) => ({
    filename: i < 6 ? `/app/node_modules/framework/lib/layer${i}.js` : `/app/src/service${variant}.ts`,
    abs_path: i < 6 ? `/app/node_modules/framework/lib/layer${i}.js` : `/app/src/service${variant}.ts`,
    function: i < 6 ? `Layer.handle${i}` : `step${i}`,
    module: i < 6 ? `framework.lib:layer${i}` : `service${variant}`,
    lineno: 10 + i * 7,
    colno: 13,
    in_app: i >= 6,
    pre_context: ["  const order = await load(id);", "  if (!order) {"],
    context_line: "    throw new TypeError(`order ${id} has no customer`);",
    post_context: ["  }", "  return order;"],
  }));
  return JSON.stringify({
    exception: {
      values: [
        {
          type: "TypeError",
          value: `order ${variant * 7919} has no customer`,
          stacktrace: { frames },
          mechanism: { type: "onuncaughtexception", handled: false },
        },
      ],
    },
    level: "error",
    platform: "node",
    release: "shop@2.4.1",
    environment: "production",
    server_name: "web-1",
    timestamp: Date.now() / 1000,
    tags: { region: "eu-west", route: `/orders/:id` },
    user: { id: `user-${variant}`, ip_address: "10.0.0.12" },
    contexts: {
      runtime: { name: "node", version: "v22.11.0" },
      os: { name: "Linux", version: "6.1.0" },
      trace: { trace_id: "a".repeat(32), span_id: "b".repeat(16) },
    },
    breadcrumbs: Array.from({ length: 10 }, (_, i) => ({
      timestamp: Date.now() / 1000 - 10 + i,
      category: "http",
      message: `GET /api/orders/${i} 200`,
      level: "info",
    })),
    sdk: { name: "sentry.javascript.node", version: "11.12.0" },
  });
}

const pier = await startPier({ env: { PIER_ADMIN_TOKEN: token }, args: ["--proxy-workers", "0"] });
const apiHeaders = { authorization: `Bearer ${token}`, "content-type": "application/json" };
const created = await fetch(`${pier.url}/api/v1/errors/projects`, {
  method: "POST",
  headers: apiHeaders,
  body: JSON.stringify({ name: "bench", rateLimitPerMinute: 0 }),
});
const { project } = (await created.json()) as { project: { id: number; publicKey: string } };
const url = `${pier.url}/api/${project.id}/envelope/`;
const ingestHeaders = {
  "content-type": "application/x-sentry-envelope",
  "x-sentry-auth": `Sentry sentry_version=7, sentry_client=bench/1.0, sentry_key=${project.publicKey}`,
};
const events = Array.from({ length: distinctIssues }, (_, i) => eventJson(i));
const bodyBytes = events[0]!.length;

let accepted = 0;
let refused = 0;
let sequence = 0;
async function client(until: number, count: boolean): Promise<void> {
  while (performance.now() < until) {
    const id = (sequence++).toString(16).padStart(32, "0");
    const event = events[sequence % events.length]!;
    const body = `{"event_id":"${id}","sent_at":"${new Date().toISOString()}"}\n{"type":"event"}\n${event}\n`;
    const res = await fetch(url, { method: "POST", headers: ingestHeaders, body });
    await res.arrayBuffer();
    if (!count) continue;
    if (res.status === 200) accepted++;
    else refused++;
  }
}

const idleRss = rssMb(pier.proc.pid);
await Promise.all(
  Array.from({ length: concurrency }, () => client(performance.now() + warmupS * 1000, false)),
);
const storedBefore = await storedEvents();

const rssSamples: number[] = [];
const sampler = setInterval(() => rssSamples.push(rssMb(pier.proc.pid)), 200);
const started = performance.now();
await Promise.all(Array.from({ length: concurrency }, () => client(started + durationS * 1000, true)));
const sendEnd = performance.now();
const storedAfter = await storedEvents(); // the API flushes the write queue before it answers
const drained = performance.now();
clearInterval(sampler);

async function storedEvents(): Promise<number> {
  const res = await fetch(`${pier.url}/api/v1/errors/issues?project=${project.id}&limit=200`, {
    headers: apiHeaders,
  });
  const { issues } = (await res.json()) as { issues: { count: number }[] };
  return issues.reduce((n, i) => n + i.count, 0);
}

const stored = storedAfter - storedBefore;
const sustained = stored / ((drained - started) / 1000);
const sorted = [...rssSamples].sort((a, b) => a - b);
const peakRss = sorted.at(-1) ?? 0;
const medianRss = sorted[Math.floor(sorted.length / 2)] ?? 0;
await pier.stop();

const table = [
  "| measure | value | target |",
  "| --- | --- | --- |",
  `| events stored per second (SQLite, ${concurrency} concurrent posters, ${durationS} s) | ${sustained.toFixed(0)} /s | >= 5,000 /s |`,
  `| envelopes answered 200 / refused | ${accepted} / ${refused} | 0 refused |`,
  `| events stored (counted in issues) vs accepted | ${stored} / ${accepted} | equal |`,
  `| write queue drain after the last post | ${(drained - sendEnd).toFixed(0)} ms | |`,
  `| pier RSS idle / median / peak under load | ${idleRss.toFixed(0)} / ${medianRss.toFixed(0)} / ${peakRss.toFixed(0)} MB | |`,
].join("\n");
console.log(table);
writePerformanceSection(
  "Errors",
  `Machine: ${machineLine()}.\nCommand: \`make build && bun bench/errors/run.ts\` (DURATION_S=${durationS}, CONCURRENCY=${concurrency}).\n\n` +
    `Each request is one envelope with one event shaped like @sentry/node's for a thrown error (${bodyBytes} bytes of JSON: 12 frames with context lines, 10 breadcrumbs, tags, user, contexts), spread over ${distinctIssues} issues, posted uncompressed to the console port by a Bun client on the same 2-core machine (client and server share the CPUs). "Stored" means counted in an issue and the compressed event written to SQLite, measured from the first post until the write queue is empty.\n\n${table}\n`,
);
