// Sustained ingest into SQLite: concurrent envelope posts (one @sentry/node-shaped event each) to the
// compiled binary's console port, events/s that reach storage, and pier's RSS while it happens.
// Run with `make bench-errors` (after `make build`). Env: DURATION_S, CONCURRENCY, ROUNDS, ISSUES, LOADGEN=bun.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPier } from "../../test/support/pier-process.ts";
import { machineLine, writePerformanceSection } from "../support/performance-doc.ts";

const durationS = Number(process.env.DURATION_S ?? 10);
const warmupS = Number(process.env.WARMUP_S ?? 2);
const concurrency = Number(process.env.CONCURRENCY ?? 32);
const distinctIssues = Number(process.env.ISSUES ?? 50);
const token = `pier_bench${crypto.randomUUID().replaceAll("-", "")}`;

/** User + system CPU seconds the process has used so far (includes its worker threads). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

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
    context_line: "    throw new TypeError('order ' + id + ' has no customer');",
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

const events = Array.from({ length: distinctIssues }, (_, i) => eventJson(i));
const bodyBytes = events[0]!.length;
const apiHeaders = { authorization: `Bearer ${token}`, "content-type": "application/json" };
const work = mkdtempSync(join(tmpdir(), "pier-bench-errors-"));
writeFileSync(join(work, "events.txt"), `${events.join("\n")}\n`);
// wrk posts envelopes with unique event ids generated in Lua: a C load generator leaves more of the
// shared CPUs to pier than a JavaScript one. Without wrk, fetch from this process does it.
const useWrk = process.env.LOADGEN !== "bun" && Bun.which("wrk") !== null;

interface Result {
  sustained: number;
  cpuPerEventUs: number;
  accepted: number;
  refused: number;
  stored: number;
  drainMs: number;
  idleRss: number;
  medianRss: number;
  peakRss: number;
  load: string;
}

async function measure(writerThread: boolean): Promise<Result> {
  const pier = await startPier({
    env: { PIER_ADMIN_TOKEN: token, PIER_ERRORS_WRITER_THREAD: writerThread ? "1" : "0" },
    args: ["--proxy-workers", "0"],
  });
  try {
    const created = await fetch(`${pier.url}/api/v1/errors/projects`, {
      method: "POST",
      headers: apiHeaders,
      body: JSON.stringify({ name: "bench", rateLimitPerMinute: 0 }),
    });
    const { project } = (await created.json()) as { project: { id: number; publicKey: string } };
    const url = `${pier.url}/api/${project.id}/envelope/`;
    const auth = `Sentry sentry_version=7, sentry_client=bench/1.0, sentry_key=${project.publicKey}`;
    const storedEvents = async (): Promise<number> => {
      // The API flushes the write queue before it answers.
      const res = await fetch(`${pier.url}/api/v1/errors/issues?project=${project.id}&limit=200`, {
        headers: apiHeaders,
      });
      const { issues } = (await res.json()) as { issues: { count: number }[] };
      return issues.reduce((n, i) => n + i.count, 0);
    };

    let sequence = 0;
    const counts = { accepted: 0, refused: 0 };
    async function client(until: number, count: boolean): Promise<void> {
      while (performance.now() < until) {
        const id = `${(sequence++).toString(16).padStart(32, "0")}`;
        const event = events[sequence % events.length]!;
        const body = `{"event_id":"${id}"}\n{"type":"event"}\n${event}\n`;
        const res = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/x-sentry-envelope", "x-sentry-auth": auth },
          body,
        });
        await res.arrayBuffer();
        if (count) counts[res.status === 200 ? "accepted" : "refused"]++;
      }
    }
    writeFileSync(
      join(work, "post.lua"),
      `dofile("${join(work, "nonce.lua")}")
local events = {}
for line in io.lines("${join(work, "events.txt")}") do events[#events + 1] = line end
local counter = 0
local threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  threads[#threads + 1] = thread
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-sentry-envelope"
wrk.headers["X-Sentry-Auth"] = "${auth}"
function request()
  counter = counter + 1
  local id = string.format("%s%02x%014x", nonce, tid, counter)
  local body = '{"event_id":"' .. id .. '"}\\n{"type":"event"}\\n' .. events[counter % #events + 1] .. '\\n'
  return wrk.format(nil, nil, nil, body)
end
`,
    );
    async function runWrk(seconds: number): Promise<void> {
      // A fresh id prefix per wrk run: pier drops repeated event ids as SDK retries.
      writeFileSync(
        join(work, "nonce.lua"),
        `nonce = "${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}"\n`,
      );
      const proc = Bun.spawn(
        ["wrk", "-t", "2", "-c", String(concurrency), "-d", `${seconds}s`, "-s", join(work, "post.lua"), url],
        { stdout: "pipe", stderr: "pipe" },
      );
      const out = await new Response(proc.stdout).text();
      await proc.exited;
      const requests = Number(out.match(/(\d+) requests in/)?.[1] ?? Number.NaN);
      if (Number.isNaN(requests)) throw new Error(`wrk failed:\n${out}`);
      const non2xx = Number(out.match(/Non-2xx or 3xx responses: (\d+)/)?.[1] ?? 0);
      counts.accepted = requests - non2xx;
      counts.refused = non2xx;
    }
    const load = async (seconds: number, count: boolean) => {
      if (useWrk) return runWrk(seconds);
      const until = performance.now() + seconds * 1000;
      await Promise.all(Array.from({ length: concurrency }, () => client(until, count)));
    };

    const loadAvg = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
    const idleRss = rssMb(pier.proc.pid);
    await load(warmupS, false);
    const storedBefore = await storedEvents();
    counts.accepted = 0;
    counts.refused = 0;
    const rssSamples: number[] = [];
    const sampler = setInterval(() => rssSamples.push(rssMb(pier.proc.pid)), 200);
    const started = performance.now();
    const cpuBefore = cpuSeconds(pier.proc.pid);
    await load(durationS, true);
    const sendEnd = performance.now();
    const stored = (await storedEvents()) - storedBefore;
    const drained = performance.now();
    const cpuUsed = cpuSeconds(pier.proc.pid) - cpuBefore;
    clearInterval(sampler);
    const sorted = rssSamples.sort((a, b) => a - b);
    return {
      sustained: stored / ((drained - started) / 1000),
      cpuPerEventUs: (cpuUsed * 1e6) / stored,
      accepted: counts.accepted,
      refused: counts.refused,
      stored,
      drainMs: drained - sendEnd,
      idleRss,
      medianRss: sorted[Math.floor(sorted.length / 2)] ?? 0,
      peakRss: sorted.at(-1) ?? 0,
      load: loadAvg,
    };
  } finally {
    await pier.stop();
  }
}

// Interleaved rounds, medians per mode: the machine is shared, so a single run can be off by 40%.
const rounds = Number(process.env.ROUNDS ?? 3);
const runs: { threaded: Result[]; inline: Result[] } = { threaded: [], inline: [] };
for (let round = 0; round < rounds; round++) {
  runs.threaded.push(await measure(true));
  runs.inline.push(await measure(false));
  console.log(
    `round ${round + 1}: writer thread ${runs.threaded.at(-1)!.sustained.toFixed(0)}/s, main thread ${runs.inline.at(-1)!.sustained.toFixed(0)}/s`,
  );
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const summary = (list: Result[]): Result => ({
  sustained: median(list.map((r) => r.sustained)),
  cpuPerEventUs: median(list.map((r) => r.cpuPerEventUs)),
  accepted: list.reduce((n, r) => n + r.accepted, 0),
  refused: list.reduce((n, r) => n + r.refused, 0),
  stored: list.reduce((n, r) => n + r.stored, 0),
  drainMs: median(list.map((r) => r.drainMs)),
  idleRss: median(list.map((r) => r.idleRss)),
  medianRss: median(list.map((r) => r.medianRss)),
  peakRss: Math.max(...list.map((r) => r.peakRss)),
  load: list.map((r) => r.load.split(" ")[0]).join(", "),
});
const threaded = summary(runs.threaded);
const inline = summary(runs.inline);
const perRound = (list: Result[]) => list.map((r) => r.sustained.toFixed(0)).join(", ");
const row = (label: string, target: string, f: (r: Result) => string) =>
  `| ${label} | ${f(threaded)} | ${f(inline)} | ${target} |`;
const table = [
  "| measure | writer thread (default) | everything on the main thread | target |",
  "| --- | --- | --- | --- |",
  row(`events stored per second, median of ${rounds}`, ">= 5,000 /s", (r) => `${r.sustained.toFixed(0)} /s`),
  `| events stored per second, each round | ${perRound(runs.threaded)} | ${perRound(runs.inline)} | |`,
  row(
    "pier CPU per stored event (user + system, all threads), median",
    "",
    (r) => `${r.cpuPerEventUs.toFixed(0)} µs`,
  ),
  row("envelopes answered 200 / refused, all rounds", "0 refused", (r) => `${r.accepted} / ${r.refused}`),
  row(
    "events counted in issues / answered 200",
    "equal (±in-flight at wrk's stop)",
    (r) => `${r.stored} / ${r.accepted}`,
  ),
  row("write queue drain after the last post, median", "", (r) => `${r.drainMs.toFixed(0)} ms`),
  row(
    "pier RSS idle / median under load / peak of all rounds",
    "",
    (r) => `${r.idleRss.toFixed(0)} / ${r.medianRss.toFixed(0)} / ${r.peakRss.toFixed(0)} MB`,
  ),
  row("1-min load average before each round (shared machine)", "", (r) => r.load),
].join("\n");
console.log(table);
writePerformanceSection(
  "Errors",
  `Machine: ${machineLine()}.\nCommand: \`make build && bun bench/errors/run.ts\` (DURATION_S=${durationS}, CONCURRENCY=${concurrency}, ROUNDS=${rounds}, modes interleaved; the compiled binary needs \`packages/errors/src/ingest/writer-worker.ts\` among its entrypoints for the writer thread).\n\n` +
    `Each request is one envelope with one event shaped like @sentry/node's for a thrown error (${bodyBytes} bytes of JSON: 12 frames with context lines, 10 breadcrumbs, tags, user, contexts), spread over ${distinctIssues} issues, posted uncompressed to the console port for ${durationS} s over ${concurrency} keep-alive connections by ${useWrk ? "wrk (2 threads, Lua-generated event ids)" : "a Bun fetch client"} on the same 2-core machine: load generator and pier share the CPUs, and other jobs were running (load average in the table). "Stored" means counted in its issue with the zstd-compressed event in SQLite, measured from the first post until the write queue is empty. With the writer thread the request path authenticates, frames the envelope and answers while parsing, grouping and the SQLite transaction run in the thread (the request path parses too when the thread is more than 1000 events behind).\n\n${table}\n`,
);
