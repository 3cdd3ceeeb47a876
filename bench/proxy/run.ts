/**
 * Proxy benchmark: wrk against the upstream directly, nginx and pier, same machine, same run.
 *   make build && bun bench/proxy/run.ts [--rounds 8] [--duration 2] [--warmup 3] [--connections 64] [--no-write]
 * Targets are interleaved within each round and every figure is a median, because the machine is
 * shared. The VM's speed drifts within seconds, so single pier-then-nginx pairs spread widely for
 * the same code (docs/performance.md, Proxy): each round runs nginx and pier twice in ABBA order
 * (BAAB the next round), which cancels a steady drift out of the round's ratio. Plain-HTTP rounds also
 * run a byte pipe on Bun (pipe.ts) once, in the middle: the ceiling for any proxy built on Bun's
 * sockets, so a reader can see how much of the room under it pier uses. CPU per request
 * (user+system time of the proxy processes divided by requests served) is reported too: it moves
 * much less with load.
 * Needs wrk, nginx and openssl (Debian: apt-get install wrk nginx-light openssl). Writes the
 * "## Proxy" section of docs/performance.md.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { opensslSelfSigned } from "../../test/support/openssl.ts";
import { freePort } from "../../test/support/ports.ts";
import { waitForPort } from "../support/wait-for-port.ts";
import { describeApiRouteSwap, measureApiRouteSwap } from "./apiRouteSwap.ts";
import { nginxConfig } from "./nginxConfig.ts";
import { describeRouteSwap, measureRouteSwap } from "./routeSwap.ts";
import { proxyPoolCommand } from "./serve-command.ts";

const { values } = parseArgs({
  options: {
    duration: { type: "string", default: "2" },
    rounds: { type: "string", default: "8" },
    warmup: { type: "string", default: "3" },
    connections: { type: "string", default: "64" },
    "no-write": { type: "boolean", default: false },
  },
});
const root = resolve(import.meta.dir, "../..");
const cores = navigator.hardwareConcurrency;
const dir = mkdtempSync(join(tmpdir(), "pier-bench-proxy-"));
const children: Bun.Subprocess[] = [];

for (const tool of ["wrk", "nginx", "openssl"]) {
  if (!Bun.which(tool) && !Bun.which(tool, { PATH: "/usr/sbin:/usr/bin" })) {
    console.error(`${tool} not found: apt-get install wrk nginx-light openssl`);
    process.exit(1);
  }
}

/** utime+stime in ms of a process and its children threads/processes (Linux /proc). */
function cpuMs(pids: number[]): number {
  const tick = 10; // USER_HZ is 100 on Linux
  let total = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      total += (Number(f[11]) + Number(f[12])) * tick;
    } catch {}
  }
  return total;
}

/** The process and its direct children (nginx workers). */
function processTree(pid: number): number[] {
  const out = [pid];
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
    if (children) out.push(...children.split(" ").map(Number));
  } catch {}
  return out;
}

function start(cmd: string[]): Bun.Subprocess {
  const p = Bun.spawn(cmd, { cwd: root, stdout: "ignore", stderr: "inherit" });
  children.push(p);
  return p;
}

function stopAll(): void {
  for (const p of children) p.kill();
}
process.on("exit", stopAll);

const ports = {
  upstream: freePort(),
  nginx: freePort(),
  nginxTls: freePort(),
  pier: freePort(),
  pierTls: freePort(),
  pipe: freePort(),
};
const { key, cert } = opensslSelfSigned(dir, "bench.test", ["DNS:bench.test", "IP:127.0.0.1"]);
writeFileSync(
  join(dir, "nginx.conf"),
  nginxConfig({
    dir,
    workers: cores,
    httpPort: ports.nginx,
    httpsPort: ports.nginxTls,
    upstreamPort: ports.upstream,
    cert,
    key,
  }),
);

const upstreamProc = start([process.execPath, "bench/proxy/upstream.ts", String(ports.upstream)]);
const nginxProc = start([
  Bun.which("nginx", { PATH: "/usr/sbin:/usr/bin:/sbin" }) ?? "nginx",
  "-p",
  dir,
  "-c",
  join(dir, "nginx.conf"),
]);
const pierProc = start(
  proxyPoolCommand({
    httpPort: ports.pier,
    httpsPort: ports.pierTls,
    upstreamPort: ports.upstream,
    workers: cores,
    cert,
    key,
  }),
);
// Plain HTTP only: the ceiling for a Bun proxy (bench/proxy/pipe.ts), to read pier's figures against.
const pipeProc = start([
  process.execPath,
  "bench/proxy/pipe.ts",
  "--port",
  String(ports.pipe),
  "--upstream-port",
  String(ports.upstream),
  "--workers",
  String(cores),
]);
for (const p of Object.values(ports)) await waitForPort(p);

interface WrkResult {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
}

function ms(v: string): number {
  const n = Number.parseFloat(v);
  if (v.endsWith("us")) return n / 1000;
  if (v.endsWith("ms")) return n;
  return n * 1000;
}

async function wrk(url: string, seconds: number): Promise<WrkResult> {
  const p = Bun.spawn(
    [
      "wrk",
      "-t",
      "1",
      "-c",
      values.connections!,
      "-d",
      `${seconds}s`,
      "--latency",
      "-H",
      "Host: bench.test",
      url,
    ],
    { stdout: "pipe", stderr: "pipe" },
  );
  const out = await new Response(p.stdout).text();
  await p.exited;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const p50 = ms(/\s50%\s+([\d.]+\w+)/.exec(out)?.[1] ?? "0ms");
  const p99 = ms(/\s99%\s+([\d.]+\w+)/.exec(out)?.[1] ?? "0ms");
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  if (/Non-2xx|Socket errors/.test(out))
    console.error(`wrk ${url}: ${out.match(/(Non-2xx.*|Socket errors.*)/g)?.join("; ")}`);
  return { rps, p50, p99, requests };
}

const duration = Number(values.duration);
const rounds = Number(values.rounds);
const scenarios = [
  { name: "small, HTTP", path: "/", tls: false },
  { name: "64 KB, HTTP", path: "/64k", tls: false },
  { name: "small, TLS", path: "/", tls: true },
  { name: "64 KB, TLS", path: "/64k", tls: true },
];
const PIPE = "Bun byte pipe";
const procs: Record<string, () => number[]> = {
  "upstream direct": () => [upstreamProc.pid],
  nginx: () => processTree(nginxProc.pid),
  pier: () => [pierProc.pid],
  [PIPE]: () => [pipeProc.pid],
};
interface Sample extends WrkResult {
  cpuUsPerReq: number;
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const samples = new Map<string, Sample[]>();
/** Per scenario and round: pier / nginx from the round's two runs of each (ABBA). */
const roundRatios = new Map<string, { rps: number; p99: number }[]>();
/** Per plain-HTTP scenario and round: the byte pipe's one run over nginx's two (it runs between them). */
const pipeRatios = new Map<string, number[]>();
async function measure(scenario: string, name: string, url: string, seconds: number): Promise<Sample> {
  const pids = procs[name]!();
  const cpuBefore = cpuMs(pids);
  const r = await wrk(url, seconds);
  const cpuUsPerReq = r.requests > 0 ? ((cpuMs(pids) - cpuBefore) * 1000) / r.requests : 0;
  const sample = { ...r, cpuUsPerReq };
  const key = `${scenario}|${name}`;
  samples.set(key, [...(samples.get(key) ?? []), sample]);
  console.error(`${scenario} ${name}: ${JSON.stringify(sample)}`);
  return sample;
}
const scenarioUrls = (s: (typeof scenarios)[number]) => {
  const scheme = s.tls ? "https" : "http";
  const url = (port: number) => `${scheme}://127.0.0.1:${port}${s.path}`;
  return {
    url,
    nginxUrl: url(s.tls ? ports.nginxTls : ports.nginx),
    pierUrl: url(s.tls ? ports.pierTls : ports.pier),
  };
};
// Every scenario's traffic goes through every proxy before any figure is taken. The JavaScript
// proxies tier up while they serve: a fresh pier spends much more CPU per request in its first
// seconds than once settled (docs/performance.md, Proxy notes, warm-up). Its hot functions are
// shared by the plain, TLS and 64 KB paths, so they settle once all of them have run. A
// long-running proxy is measured in that steady state; nginx has nothing to warm and gets the same
// runs.
const warmup = Number(values.warmup);
console.error(`warm-up: ${warmup} s of each scenario per proxy`);
for (const s of scenarios) {
  const { url, nginxUrl, pierUrl } = scenarioUrls(s);
  for (const u of s.tls ? [nginxUrl, pierUrl] : [nginxUrl, pierUrl, url(ports.pipe)]) await wrk(u, warmup);
}
for (let round = 0; round < rounds; round++) {
  console.error(`round ${round + 1} of ${rounds}`);
  for (const s of scenarios) {
    const { url, nginxUrl, pierUrl } = scenarioUrls(s);
    // TLS runs are twice as long: each run starts with 64 handshakes, whose burst otherwise weighs
    // on a short run's p99 (docs/performance.md, Proxy notes).
    const seconds = s.tls ? 2 * duration : duration;
    if (!s.tls) await measure(s.name, "upstream direct", url(ports.upstream), seconds);
    // ABBA (BAAB in odd rounds): the VM's speed drifts within seconds, and a drift that is
    // roughly linear over the four runs cancels out of the pair's ratio.
    // The pipe runs in the middle, so it too sits symmetrically between nginx's two runs.
    const order = round % 2 === 0 ? ["nginx", "pier", "pier", "nginx"] : ["pier", "nginx", "nginx", "pier"];
    if (!s.tls) order.splice(2, 0, PIPE);
    const got: Record<string, Sample[]> = { nginx: [], pier: [], [PIPE]: [] };
    for (const name of order) {
      const target = name === "pier" ? pierUrl : name === PIPE ? url(ports.pipe) : nginxUrl;
      got[name]!.push(await measure(s.name, name, target, seconds));
    }
    const sum = (xs: Sample[], f: (x: Sample) => number) => xs.reduce((t, x) => t + f(x), 0);
    roundRatios.set(s.name, [
      ...(roundRatios.get(s.name) ?? []),
      {
        rps: sum(got.pier!, (x) => x.rps) / sum(got.nginx!, (x) => x.rps),
        p99: sum(got.pier!, (x) => x.p99) / sum(got.nginx!, (x) => x.p99),
      },
    ]);
    if (!s.tls)
      pipeRatios.set(s.name, [
        ...(pipeRatios.get(s.name) ?? []),
        got[PIPE]![0]!.rps / (sum(got.nginx!, (x) => x.rps) / 2),
      ]);
  }
}
const rows: string[] = [];
for (const s of scenarios) {
  const names = s.tls ? ["nginx", "pier"] : ["upstream direct", "nginx", "pier", PIPE];
  const ratios = roundRatios.get(s.name)!;
  const rpsRatio = median(ratios.map((r) => r.rps));
  const p99Ratio = median(ratios.map((r) => r.p99));
  const above = ratios.filter((r) => r.rps >= 1).length;
  for (const name of names) {
    const xs = samples.get(`${s.name}|${name}`)!;
    const ratio =
      name === "pier"
        ? `${rpsRatio.toFixed(2)}x rps (${above} of ${ratios.length} rounds >= 1), ${p99Ratio.toFixed(2)}x p99`
        : name === PIPE
          ? `(pipe / nginx ${median(pipeRatios.get(s.name)!).toFixed(2)}x rps: the ceiling for a Bun proxy)`
          : "";
    rows.push(
      `| ${s.name} | ${name} | ${Math.round(median(xs.map((x) => x.rps)))} | ${median(xs.map((x) => x.p50)).toFixed(2)} | ${median(xs.map((x) => x.p99)).toFixed(2)} | ${Math.round(median(xs.map((x) => x.cpuUsPerReq)))} | ${ratio} |`,
    );
  }
}
stopAll();

// Route swap: 10,000 routes published to a pool in this process (bench/proxy/routeSwap.ts).
const swap = await measureRouteSwap(cores);
const apiSwap = await measureApiRouteSwap(10_000, 100, cores);

const date = new Date().toISOString().slice(0, 10);
const loadAverage = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
const section = `## Proxy

Command: \`bun bench/proxy/run.ts\` (${warmup} s of every scenario through every proxy first, then ${rounds} rounds; in each, per scenario, the upstream once, then nginx and pier twice each in ABBA order, with the Bun byte pipe of bench/proxy/pipe.ts once in the middle for plain HTTP; wrk -t1 -c${values.connections} -d${duration}s each, -d${2 * duration}s for TLS; ${cores} cores, ${cores} nginx workers and ${cores} pier workers; upstream is one Bun.serve process; all on 127.0.0.1; ${date}; load average at the end ${loadAverage}).
Figures are medians over all runs; the pier / nginx ratios are medians of the per-round ratios (a round's ratio is pier's two runs over nginx's two, so a steady drift of the machine's speed cancels). The machine is shared with other test suites, so absolute figures move a lot between runs; compare rows of the same run. CPU µs/req is user+system time of the serving processes per request served (nginx: master and workers; pier: the whole process, its worker threads and the main thread aggregating every record batch as pier serve does).

| scenario | target | requests/s | p50 ms | p99 ms | CPU µs/req | pier / nginx |
| --- | --- | ---: | ---: | ---: | ---: | --- |
${rows.join("\n")}

${describeApiRouteSwap(apiSwap, 10_000, cores)}

In process (bench/proxy/routeSwap.ts, the pool alone): ${describeRouteSwap(swap, cores)}
`;
console.log(section);
if (!values["no-write"]) {
  const file = join(root, "docs/performance.md");
  let doc = "";
  try {
    doc = readFileSync(file, "utf8");
  } catch {
    doc = "# Performance\n\nEvery measured figure, the command that produced it and the date.\n";
  }
  const start = doc.indexOf("## Proxy\n");
  if (start === -1) doc = `${doc.trimEnd()}\n\n${section}`;
  else {
    const next = doc.indexOf("\n## ", start + 1);
    const old = doc.slice(start, next === -1 ? doc.length : next + 1);
    // Hand-written analysis under "### Notes" survives re-runs; the figures above it are replaced.
    const notesAt = old.indexOf("\n### Notes\n");
    const notes = notesAt === -1 ? "" : `\n${old.slice(notesAt + 1).trimEnd()}\n`;
    doc = doc.slice(0, start) + section + notes + (next === -1 ? "" : `\n${doc.slice(next + 1)}`);
  }
  writeFileSync(file, doc);
  console.error(`wrote ${file}`);
}
process.exit(0);
