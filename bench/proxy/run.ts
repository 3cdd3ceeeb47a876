/**
 * Proxy benchmark: wrk against the upstream directly, nginx and pier, same machine, same run.
 *   bun bench/proxy/run.ts [--duration 5] [--connections 64] [--no-write]
 * Needs wrk, nginx and openssl (Debian: apt-get install wrk nginx-light openssl). Writes the
 * "## Proxy" section of docs/performance.md.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { routeSpecSchema, startProxyPool } from "@pier/proxy";
import { nginxConfig } from "./nginxConfig.ts";

const { values } = parseArgs({
  options: {
    duration: { type: "string", default: "5" },
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

function freePort(): number {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

async function waitForPort(port: number, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      const s = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
      s.end();
      return;
    } catch {
      await Bun.sleep(50);
    }
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${ms} ms`);
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
};
const key = join(dir, "bench.key");
const cert = join(dir, "bench.crt");
Bun.spawnSync([
  "openssl",
  "req",
  "-x509",
  "-newkey",
  "rsa:2048",
  "-nodes",
  "-keyout",
  key,
  "-out",
  cert,
  "-days",
  "2",
  "-subj",
  "/CN=bench.test",
  "-addext",
  "subjectAltName=DNS:bench.test,IP:127.0.0.1",
]);
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

start(["bun", "bench/proxy/upstream.ts", String(ports.upstream)]);
start([
  Bun.which("nginx", { PATH: "/usr/sbin:/usr/bin:/sbin" }) ?? "nginx",
  "-p",
  dir,
  "-c",
  join(dir, "nginx.conf"),
]);
start([
  "bun",
  "bench/proxy/serve.ts",
  "--http-port",
  String(ports.pier),
  "--https-port",
  String(ports.pierTls),
  "--upstream",
  `http://127.0.0.1:${ports.upstream}`,
  "--workers",
  String(cores),
  "--cert",
  cert,
  "--key",
  key,
]);
for (const p of Object.values(ports)) await waitForPort(p);

interface WrkResult {
  rps: number;
  p50: number;
  p99: number;
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
  if (/Non-2xx|Socket errors/.test(out))
    console.error(`wrk ${url}: ${out.match(/(Non-2xx.*|Socket errors.*)/g)?.join("; ")}`);
  return { rps, p50, p99 };
}

const duration = Number(values.duration);
const scenarios = [
  { name: "small, HTTP", path: "/", tls: false },
  { name: "64 KB, HTTP", path: "/64k", tls: false },
  { name: "small, TLS", path: "/", tls: true },
  { name: "64 KB, TLS", path: "/64k", tls: true },
];
const rows: string[] = [];
for (const s of scenarios) {
  const scheme = s.tls ? "https" : "http";
  const targets: [string, number][] = [
    ["nginx", s.tls ? ports.nginxTls : ports.nginx],
    ["pier", s.tls ? ports.pierTls : ports.pier],
  ];
  if (!s.tls) targets.unshift(["upstream direct", ports.upstream]);
  const results: Record<string, WrkResult> = {};
  for (const [name, port] of targets) {
    await wrk(`${scheme}://127.0.0.1:${port}${s.path}`, 1);
    results[name] = await wrk(`${scheme}://127.0.0.1:${port}${s.path}`, duration);
    console.error(`${s.name} ${name}: ${JSON.stringify(results[name])}`);
  }
  const n = results.nginx!;
  const p = results.pier!;
  for (const [name, r] of Object.entries(results)) {
    rows.push(
      `| ${s.name} | ${name} | ${Math.round(r.rps)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${name === "pier" ? `${(p.rps / n.rps).toFixed(2)}x rps, ${(p.p99 / n.p99).toFixed(2)}x p99` : ""} |`,
    );
  }
}
stopAll();

// Route swap: publish 10,000 routes repeatedly to a pool in this process and time the acks.
const pool = await startProxyPool({ workers: cores, httpPort: freePort(), hostname: "127.0.0.1" });
const many = Array.from({ length: 10_000 }, (_, i) =>
  routeSpecSchema.parse({ id: `r${i}`, host: `app${i}.bench.test`, upstreams: ["http://127.0.0.1:1"] }),
);
const swaps: number[] = [];
for (let i = 0; i < 50; i++) swaps.push((await pool.publishRoutes(many)).ackMs);
await pool.stop();
swaps.sort((a, b) => a - b);
const q = (p: number) => swaps[Math.min(swaps.length - 1, Math.ceil((p / 100) * swaps.length) - 1)]!;

const date = new Date().toISOString().slice(0, 10);
const section = `## Proxy

Command: \`bun bench/proxy/run.ts\` (wrk -t1 -c${values.connections} -d${duration}s, ${cores} cores, ${cores} nginx workers and ${cores} pier workers; upstream is one Bun.serve process; all on 127.0.0.1; ${date}).
The machine is shared by the whole test suite, so figures move by ±20% between runs; compare rows of the same run.

| scenario | target | requests/s | p50 ms | p99 ms | pier / nginx |
| --- | --- | ---: | ---: | ---: | --- |
${rows.join("\n")}

Route swap (publish 10,000 routes, acknowledged by all ${cores} workers, 50 runs): p50 ${q(50).toFixed(1)} ms, p99 ${q(99).toFixed(1)} ms (target < 50 ms).
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
    doc = doc.slice(0, start) + section + (next === -1 ? "" : doc.slice(next + 1));
  }
  writeFileSync(file, doc);
  console.error(`wrote ${file}`);
}
process.exit(0);
