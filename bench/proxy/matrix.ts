/**
 * The proxy matrix of `make bench-proxy`: pier against nginx in every load shape of issue 27 —
 * upstream (Bun and nginx) x wrk -t1/-t2 x 64 / 1,000 / 4,000 / 10,000 keep-alive connections or a
 * new connection per request (`Connection: close`) x small and 64 KB answers x plain and TLS, with
 * the Bun byte pipe (pipe.ts) as the ceiling row for plain HTTP; then memory per connection with
 * 10,000 idle keep-alive connections.
 *   bun bench/proxy/matrix.ts [--duration 2] [--no-write]
 *   PROXY_MATRIX="upstream=nginx threads=2 conns=64,1000" bun bench/proxy/matrix.ts   (a subset)
 *   PROXY_MATRIX=off                                                                     (skipped)
 * Per cell, nginx and pier run twice each in ABBA order with the pipe once in the middle (the VM's
 * speed drifts within seconds; a steady drift cancels out of the ratio). Each run reports
 * requests/s, p50/p99/p99.9/max (wrk's latency histogram, bench/proxy/latency.lua), CPU µs per
 * request (user+system time of the serving processes over requests served) and RSS at the end of
 * the run. Writes the "## Proxy matrix" section of docs/performance.md.
 */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { opensslSelfSigned } from "../../test/support/openssl.ts";
import { freePort } from "../../test/support/ports.ts";
import { writeSectionKeepingNotes } from "../support/performance-doc.ts";
import { waitForPort } from "../support/wait-for-port.ts";
import { type Cell, cellName, matrixCells, type Upstream } from "./matrix-cells.ts";
import { nginxConfig } from "./nginxConfig.ts";
import { proxyPoolCommand } from "./serve-command.ts";

const spec = process.env.PROXY_MATRIX ?? "";
if (spec.trim() === "off") process.exit(0);
const cells = matrixCells(spec);
const { values } = parseArgs({
  options: { duration: { type: "string", default: "2" }, "no-write": { type: "boolean", default: false } },
});
const duration = Number(values.duration);
const root = resolve(import.meta.dir, "../..");
const cores = navigator.hardwareConcurrency;
const dir = mkdtempSync(join(tmpdir(), "pier-bench-matrix-"));
/** The hard limit of this machine's containers; 10,000 connections need 10,000 client fds and as many upstream ones. */
const NOFILE = "20000";

for (const tool of ["wrk", "nginx", "openssl"]) {
  if (!Bun.which(tool) && !Bun.which(tool, { PATH: "/usr/sbin:/usr/bin" })) {
    console.error(`${tool} not found: apt-get install wrk nginx-light openssl`);
    process.exit(1);
  }
}
const nginxBin = Bun.which("nginx", { PATH: "/usr/sbin:/usr/bin:/sbin" }) ?? "nginx";

/** Runs `cmd` with the open-files limit raised as far as the hard limit allows. */
function withFiles(cmd: string[]): string[] {
  return [
    "sh",
    "-c",
    `ulimit -n ${NOFILE} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@"`,
    "sh",
    ...cmd,
  ];
}

const running = new Set<Bun.Subprocess>();
function start(cmd: string[]): Bun.Subprocess {
  const p = Bun.spawn(withFiles(cmd), { cwd: root, stdout: "pipe", stderr: "inherit" });
  running.add(p);
  return p;
}
async function stop(p: Bun.Subprocess): Promise<void> {
  p.kill();
  await p.exited;
  running.delete(p);
}
process.on("exit", () => {
  for (const p of running) p.kill();
});

/** A process and its descendants (nginx workers; the shell's exec keeps the pid). */
function processTree(pid: number): number[] {
  const out = [pid];
  try {
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
    if (kids) for (const k of kids.split(" ")) out.push(...processTree(Number(k)));
  } catch {}
  return out;
}

function cpuMs(pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      total += (Number(f[11]) + Number(f[12])) * 10; // USER_HZ 100
    } catch {}
  }
  return total;
}

/** Summed VmRSS in KB (nginx: master and workers, whose shared pages count once per process). */
function rssKb(pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      total += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
    } catch {}
  }
  return total;
}

// The TLS cells' certificate (one for every proxy): MATRIX_TLS_KEY=ec (ECDSA P-256, what pier's
// ACME certificates carry) or rsa (RSA 2048).
const tlsKey = process.env.MATRIX_TLS_KEY === "rsa" ? "rsa" : "ec";
const { key, cert } = opensslSelfSigned(dir, "bench.test", ["DNS:bench.test", "IP:127.0.0.1"], tlsKey);
const big = join(dir, "64k");
writeFileSync(big, Buffer.alloc(64 * 1024, 120), { mode: 0o644 });
// nginx started as root runs its workers as nobody: the origin's file must be readable to them.
chmodSync(dir, 0o755);

/** nginx as an origin: the same two answers as bench/proxy/upstream.ts. */
function nginxOriginConfig(port: number): string {
  const d = join(dir, "origin");
  return `worker_processes 1;
daemon off;
pid ${d}.pid;
error_log ${d}.log warn;
worker_rlimit_nofile ${NOFILE};
events { worker_connections 19000; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path ${d}-body;
  proxy_temp_path ${d}-proxy;
  fastcgi_temp_path ${d}-fastcgi;
  uwsgi_temp_path ${d}-uwsgi;
  scgi_temp_path ${d}-scgi;
  server {
    listen 127.0.0.1:${port};
    location = / { default_type text/plain; return 200 "hello world\\n"; }
    location = /64k { default_type application/octet-stream; alias ${big}; }
  }
}
`;
}

interface Proxies {
  upstream: Bun.Subprocess;
  nginx: Bun.Subprocess;
  pier: Bun.Subprocess;
  pipe: Bun.Subprocess;
  ports: { nginx: number; nginxTls: number; pier: number; pierTls: number; pipe: number; upstream: number };
}

async function startProxies(kind: Upstream): Promise<Proxies> {
  const ports = {
    upstream: freePort(),
    nginx: freePort(),
    nginxTls: freePort(),
    pier: freePort(),
    pierTls: freePort(),
    pipe: freePort(),
  };
  let upstream: Bun.Subprocess;
  if (kind === "bun") upstream = start([process.execPath, "bench/proxy/upstream.ts", String(ports.upstream)]);
  else {
    writeFileSync(join(dir, "origin.conf"), nginxOriginConfig(ports.upstream));
    upstream = start([nginxBin, "-p", dir, "-c", join(dir, "origin.conf")]);
  }
  const proxyConf = nginxConfig({
    dir,
    workers: cores,
    httpPort: ports.nginx,
    httpsPort: ports.nginxTls,
    upstreamPort: ports.upstream,
    cert,
    key,
  });
  const raised = proxyConf.replace(
    "events { worker_connections 4096; }",
    `worker_rlimit_nofile ${NOFILE};\nevents { worker_connections 19000; }`,
  );
  if (raised === proxyConf)
    throw new Error("nginxConfig changed: cannot raise worker_connections for 10,000 clients");
  writeFileSync(join(dir, "nginx.conf"), raised);
  const nginx = start([nginxBin, "-p", dir, "-c", join(dir, "nginx.conf")]);
  const pier = start(
    proxyPoolCommand({
      httpPort: ports.pier,
      httpsPort: ports.pierTls,
      upstreamPort: ports.upstream,
      workers: cores,
      cert,
      key,
    }),
  );
  const pipe = start([
    process.execPath,
    "bench/proxy/pipe.ts",
    "--port",
    String(ports.pipe),
    "--upstream-port",
    String(ports.upstream),
    "--workers",
    String(cores),
  ]);
  for (const p of Object.values(ports)) await waitForPort(p, 15_000);
  // pier publishes its routes and certificates after listening: wait for an answer through it.
  const until = Date.now() + 15_000;
  while (Date.now() < until) {
    const r = await fetch(`http://127.0.0.1:${ports.pier}/`, { headers: { host: "bench.test" } }).catch(
      () => null,
    );
    if (r?.status === 200) break;
    await Bun.sleep(100);
  }
  return { upstream, nginx, pier, pipe, ports };
}

interface Run {
  rps: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  errors: number;
  cpuUsPerReq: number;
  rssKb: number;
}

async function wrk(cell: Cell, url: string, seconds: number): Promise<Omit<Run, "cpuUsPerReq" | "rssKb">> {
  const cmd = [
    "wrk",
    "-t",
    String(cell.threads),
    "-c",
    String(cell.conns === "close" ? 64 : cell.conns),
    "-d",
    `${seconds}s`,
    "--timeout",
    "10s",
    "-s",
    join(import.meta.dir, "latency.lua"),
    "-H",
    "Host: bench.test",
    ...(cell.conns === "close" ? ["-H", "Connection: close"] : []),
    url,
  ];
  const p = Bun.spawn(withFiles(cmd), { stdout: "pipe", stderr: "pipe" });
  const out = await new Response(p.stdout).text();
  await p.exited;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0);
  const m =
    /MATRIX p50=(\d+) p99=(\d+) p999=(\d+) max=(\d+) requests=(\d+) connect=(\d+) read=(\d+) write=(\d+) status=(\d+) timeout=(\d+)/.exec(
      out,
    );
  if (!m) {
    // wrk skips the script's done() when a run ends with connections still in their TLS
    // handshake (seen at 1,000 TLS clients on a loaded machine): only requests/s is known then.
    console.error(`wrk printed no latency line for ${url}; requests/s only`);
    return { rps, p50: Number.NaN, p99: Number.NaN, p999: Number.NaN, max: Number.NaN, errors: Number.NaN };
  }
  const n = m.slice(1).map(Number);
  // With Connection: close a read error is the server closing after its answer: not an error.
  const errors = n[5]! + (cell.conns === "close" ? 0 : n[6]!) + n[7]! + n[8]! + n[9]!;
  return { rps, p50: n[0]! / 1000, p99: n[1]! / 1000, p999: n[2]! / 1000, max: n[3]! / 1000, errors };
}

type Target = "nginx" | "pier" | "pipe";

async function measure(px: Proxies, cell: Cell, target: Target, seconds: number): Promise<Run> {
  const scheme = cell.tls ? "https" : "http";
  const port =
    target === "pipe"
      ? px.ports.pipe
      : target === "nginx"
        ? cell.tls
          ? px.ports.nginxTls
          : px.ports.nginx
        : cell.tls
          ? px.ports.pierTls
          : px.ports.pier;
  const url = `${scheme}://127.0.0.1:${port}${cell.size === "small" ? "/" : "/64k"}`;
  const pids = processTree(px[target].pid);
  const before = cpuMs(pids);
  const r = await wrk(cell, url, seconds);
  const served = r.rps * seconds;
  const run = {
    ...r,
    cpuUsPerReq: served > 0 ? ((cpuMs(pids) - before) * 1000) / served : 0,
    rssKb: rssKb(processTree(px[target].pid)),
  };
  console.error(`${cellName(cell)} ${target}: ${JSON.stringify(run)}`);
  return run;
}

/** Of the finite values (a run wrk printed no latencies for has NaN there); NaN when none is. */
const median = (xs: number[]) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  return s.length % 2 ? s[(s.length - 1) >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

interface CellResult {
  cell: Cell;
  runs: Record<Target, Run[]>;
}

/** Memory per connection: RSS with `count` idle keep-alive connections held, above the same proxy idle. */
async function perConnection(px: Proxies, target: "nginx" | "pier", count: number) {
  const pids = () => processTree(px[target].pid);
  const port = target === "nginx" ? px.ports.nginx : px.ports.pier;
  await Bun.sleep(2000);
  const idle = rssKb(pids());
  const holder = Bun.spawn(
    withFiles([
      process.execPath,
      join(import.meta.dir, "hold-connections.ts"),
      "--port",
      String(port),
      "--count",
      String(count),
    ]),
    { stdout: "pipe", stderr: "inherit" },
  );
  const reader = holder.stdout.getReader();
  const line = new TextDecoder().decode((await reader.read()).value ?? new Uint8Array());
  const held = Number(/held (\d+)/.exec(line)?.[1] ?? 0);
  await Bun.sleep(2000);
  const holding = rssKb(pids());
  holder.kill();
  await holder.exited;
  return { idle, holding, held, bytesPerConn: held > 0 ? ((holding - idle) * 1024) / held : 0 };
}

const results: CellResult[] = [];
const memory: {
  upstream: Upstream;
  target: string;
  idle: number;
  holding: number;
  held: number;
  bytesPerConn: number;
}[] = [];
const upstreams = [...new Set(cells.map((c) => c.upstream))];
const started = Date.now();
for (const kind of upstreams) {
  const px = await startProxies(kind);
  const mine = cells.filter((c) => c.upstream === kind);
  // Memory per connection first, on fresh proxies: after a heavy run their RSS is still settling
  // (nginx's workers give memory back for seconds, pier's threads trim 2 and 30 s after traffic).
  if (mine.some((c) => c.conns === 10000) || spec.trim() === "") {
    for (const target of ["nginx", "pier"] as const)
      memory.push({ upstream: kind, target, ...(await perConnection(px, target, 10_000)) });
  }
  // Warm-up: every shape of this upstream's cells through every proxy once (JIT tiers settle).
  for (const shape of new Set(mine.map((c) => `${c.size}|${c.tls}`))) {
    const [size, tls] = shape.split("|");
    const cell: Cell = {
      upstream: kind,
      threads: 1,
      conns: 64,
      size: size as Cell["size"],
      tls: tls === "true",
    };
    for (const t of (cell.tls ? ["nginx", "pier"] : ["nginx", "pier", "pipe"]) as Target[])
      await measure(px, cell, t, 2);
  }
  for (const [i, cell] of mine.entries()) {
    const order: Target[] =
      i % 2 === 0 ? ["nginx", "pier", "pier", "nginx"] : ["pier", "nginx", "nginx", "pier"];
    if (!cell.tls) order.splice(2, 0, "pipe");
    const runs: Record<Target, Run[]> = { nginx: [], pier: [], pipe: [] };
    // TLS and new-connection runs are twice as long: their handshakes weigh on a short run's tail.
    const seconds = cell.tls || cell.conns === "close" ? 2 * duration : duration;
    for (const t of order) runs[t].push(await measure(px, cell, t, seconds));
    results.push({ cell, runs });
  }
  for (const p of [px.pier, px.nginx, px.pipe, px.upstream]) await stop(p);
}

const f1 = (x: number) => (!Number.isFinite(x) ? "—" : x >= 100 ? x.toFixed(0) : x.toFixed(1));
const lat = (rs: Run[]) =>
  `${f1(median(rs.map((r) => r.p50)))} / ${f1(median(rs.map((r) => r.p99)))} / ${f1(median(rs.map((r) => r.p999)))} / ${f1(Math.max(...rs.map((r) => r.max).filter(Number.isFinite)))}`;
const rows = results.map(({ cell, runs }) => {
  const sum = (rs: Run[]) => rs.reduce((t, r) => t + r.rps, 0);
  const ratio = sum(runs.pier) / sum(runs.nginx);
  // A cell where nginx served nothing (TLS handshake storms at thousands of clients) has no ratio.
  const shown = sum(runs.nginx) > 0 ? `**${ratio.toFixed(2)}x**` : "—";
  const pipe = runs.pipe.length > 0 ? `${(runs.pipe[0]!.rps / (sum(runs.nginx) / 2)).toFixed(2)}x` : "—";
  const errors = (rs: Run[]) => rs.reduce((t, r) => t + r.errors, 0);
  const rss = (rs: Run[]) => (Math.max(...rs.map((r) => r.rssKb)) / 1024).toFixed(0);
  const cpu = (rs: Run[]) => Math.round(median(rs.map((r) => r.cpuUsPerReq)));
  return `| ${cellName(cell)} | ${Math.round(median(runs.nginx.map((r) => r.rps)))} | ${Math.round(median(runs.pier.map((r) => r.rps)))} | ${shown} | ${pipe} | ${lat(runs.nginx)} | ${lat(runs.pier)} | ${cpu(runs.nginx)} / ${cpu(runs.pier)} | ${rss(runs.nginx)} / ${rss(runs.pier)} | ${errors(runs.nginx)} / ${errors(runs.pier)} |`;
});
const memoryRows = memory.map(
  (m) =>
    `| ${m.target} (${m.upstream} upstream) | ${(m.idle / 1024).toFixed(1)} MB | ${(m.holding / 1024).toFixed(1)} MB | ${m.held} | ${Math.round(m.bytesPerConn)} B |`,
);
const busy = results
  .filter((r) => r.cell.conns === 4000 && !r.cell.tls && r.cell.size === "small")
  .map(
    (r) =>
      `${cellName(r.cell)}: nginx ${(Math.max(...r.runs.nginx.map((x) => x.rssKb)) / 1024).toFixed(0)} MB, pier ${(Math.max(...r.runs.pier.map((x) => x.rssKb)) / 1024).toFixed(0)} MB`,
  );
const loadAverage = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
const date = new Date().toISOString().slice(0, 10);
const section = `## Proxy matrix

Command: \`make bench-proxy\` (bench/proxy/matrix.ts${spec.trim() ? `, PROXY_MATRIX="${spec.trim()}"` : ""}; ${date}; ${cores} cores, ${cores} nginx workers, ${cores} pier workers, ${cores} pipe workers, all on 127.0.0.1; TLS with one ${tlsKey === "ec" ? "ECDSA P-256 (the key type of pier's ACME certificates)" : "RSA 2048"} certificate for every proxy; open files limited to ${NOFILE} per process, the machine's hard limit; ${Math.round((Date.now() - started) / 60_000)} min; load average at the end ${loadAverage}: the machine is shared with other agents' builds and tests, so compare the ratios of a row, whose runs were interleaved, more than absolute figures).
Per cell: nginx and pier twice each in ABBA order (BAAB in every other cell), the Bun byte pipe once in the middle for plain HTTP, wrk -d${duration}s (-d${2 * duration}s for TLS and Connection: close). requests/s is the median run; pier / nginx is pier's two runs over nginx's two; pipe / nginx is the pipe's run over nginx's mean, the ceiling for a proxy on Bun's sockets. Latencies in ms, medians of the runs (max: the largest). CPU is user+system µs per request served of the serving processes; RSS is at the end of a run (nginx: master and workers summed).

| cell | nginx rps | pier rps | pier / nginx | pipe / nginx | nginx p50 / p99 / p99.9 / max | pier p50 / p99 / p99.9 / max | CPU µs/req nginx / pier | RSS MB nginx / pier | errors nginx / pier |
| --- | ---: | ---: | ---: | ---: | --- | --- | --- | --- | --- |
${rows.join("\n")}
${
  memoryRows.length === 0
    ? ""
    : `
Memory per connection: RSS of the freshly started proxy idle, then holding 10,000 idle keep-alive connections (each sent one request and got its answer), measured 2 s after the last answer.

| proxy | idle | holding | connections held | per connection |
| --- | ---: | ---: | ---: | ---: |
${memoryRows.join("\n")}
`
}${busy.length === 0 ? "" : `\nBusy: RSS at the end of a 4,000-connection run: ${busy.join("; ")}.\n`}`;
console.log(section);
if (!values["no-write"]) writeSectionKeepingNotes(section, "Proxy");
process.exit(0);
