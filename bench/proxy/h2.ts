/**
 * HTTP/2 benchmark: h2load through pier and through nginx (`http2`), both proxying to the same Bun
 * upstream over HTTP/1.1 keep-alive, same machine, same run.
 *   bun bench/proxy/h2.ts [--rounds 4] [--duration 3] [--no-write]
 * Two load shapes (h2load -c 64 -m 10: few connections, many streams each; -c 1000 -m 1: many
 * connections, one stream each), small and 64 KB answers. Each round runs nginx and pier twice in
 * ABBA order (BAAB the next round), as run.ts does, so a steady drift of the shared machine's speed
 * cancels out of the round's ratio. Needs h2load (Debian nghttp2-client), nginx and openssl.
 * Writes the "## Proxy: HTTP/2" section of docs/performance.md.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { opensslSelfSigned } from "../../test/support/openssl.ts";
import { freePort } from "../../test/support/ports.ts";
import { writeSectionKeepingNotes } from "../support/performance-doc.ts";
import { waitForPort } from "../support/wait-for-port.ts";
import { proxyPoolCommand } from "./serve-command.ts";

const { values } = parseArgs({
  options: {
    duration: { type: "string", default: "3" },
    rounds: { type: "string", default: "4" },
    "no-write": { type: "boolean", default: false },
  },
});
const root = resolve(import.meta.dir, "../..");
const cores = navigator.hardwareConcurrency;
const dir = mkdtempSync(join(tmpdir(), "pier-bench-h2-"));
const children: Bun.Subprocess[] = [];
const sbin = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" };

for (const tool of ["h2load", "nginx", "openssl"]) {
  if (!Bun.which(tool) && !Bun.which(tool, sbin)) {
    console.error(`${tool} not found: apt-get install nghttp2-client nginx-light openssl`);
    process.exit(1);
  }
}
const nginxBin = Bun.which("nginx", sbin) ?? "nginx";

function start(cmd: string[]): Bun.Subprocess {
  const p = Bun.spawn(cmd, { cwd: root, stdout: "ignore", stderr: "inherit" });
  children.push(p);
  return p;
}
process.on("exit", () => {
  for (const p of children) p.kill();
});
// A signal ends the run through "exit", so nginx, the pool and the upstream stop with it.
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(130));

/** nginx 1.25.1 moved HTTP/2 from a `listen` parameter to `http2 on;`: both are written as each nginx wants. */
function nginxHttp2Directive(): { listen: string; server: string } {
  const out = Bun.spawnSync([nginxBin, "-v"]).stderr.toString();
  const [major = 0, minor = 0, patch = 0] = (out.match(/nginx\/(\d+)\.(\d+)\.(\d+)/) ?? [])
    .slice(1)
    .map(Number);
  const modern = major > 1 || minor > 25 || (minor === 25 && patch >= 1);
  return modern ? { listen: "", server: "http2 on;" } : { listen: " http2", server: "" };
}

const ports = { upstream: freePort(), nginx: freePort(), pier: freePort(), pierHttp: freePort() };
const { key, cert } = opensslSelfSigned(dir, "bench.test", ["DNS:bench.test", "IP:127.0.0.1"]);
const h2 = nginxHttp2Directive();
writeFileSync(
  join(dir, "nginx.conf"),
  `worker_processes ${cores};
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 8192; }
worker_rlimit_nofile 20000;
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream app { server 127.0.0.1:${ports.upstream}; keepalive 128; }
  server {
    listen 127.0.0.1:${ports.nginx} ssl reuseport${h2.listen};
    ${h2.server}
    http2_max_concurrent_streams 128;
    ssl_certificate ${cert};
    ssl_certificate_key ${key};
    ssl_protocols TLSv1.2 TLSv1.3;
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
    }
  }
}
`,
);
start([process.execPath, "bench/proxy/upstream.ts", String(ports.upstream)]);
start([nginxBin, "-p", dir, "-c", join(dir, "nginx.conf")]);
start(
  proxyPoolCommand({
    httpPort: ports.pierHttp,
    httpsPort: ports.pier,
    upstreamPort: ports.upstream,
    workers: cores,
    cert,
    key,
  }),
);
for (const p of Object.values(ports)) await waitForPort(p);

interface H2loadResult {
  rps: number;
  meanMs: number;
  maxMs: number;
  failed: number;
}

function toMs(v: string): number {
  const n = Number.parseFloat(v);
  if (v.endsWith("us")) return n / 1000;
  if (v.endsWith("ms")) return n;
  return n * 1000;
}

async function h2load(args: string[], path: string, port: number, seconds: number): Promise<H2loadResult> {
  const proc = Bun.spawn(
    [
      "h2load",
      ...args,
      "-D",
      String(seconds),
      "-H",
      ":authority: bench.test",
      `https://127.0.0.1:${port}${path}`,
    ],
    { stdout: "pipe", stderr: "pipe" },
  );
  // Opening 1,000 TLS connections takes tens of seconds on a loaded machine before -D starts.
  const timer = setTimeout(() => proc.kill("SIGKILL"), (seconds + 180) * 1000);
  const out = await new Response(proc.stdout).text();
  clearTimeout(timer);
  await proc.exited;
  const rps = Number(out.match(/finished in [^,]+, ([\d.]+) req\/s/)?.[1] ?? 0);
  const t = out.match(/time for request:\s+(\S+)\s+(\S+)\s+(\S+)/);
  const failed = Number(out.match(/(\d+) failed/)?.[1] ?? 0) + Number(out.match(/(\d+) errored/)?.[1] ?? 0);
  if (failed > 0) console.error(`h2load ${args.join(" ")} ${path} :${port}: ${failed} failed or errored`);
  if (rps === 0)
    console.error(`h2load ${args.join(" ")} ${path} :${port} gave no figure:\n${out.slice(-600)}`);
  return { rps, meanMs: t ? toMs(t[3]!) : 0, maxMs: t ? toMs(t[2]!) : 0, failed };
}

const shapes = [
  { name: "-c 64 -m 10", args: ["-c", "64", "-m", "10"] },
  { name: "-c 1000 -m 1", args: ["-c", "1000", "-m", "1"] },
];
const sizes = [
  { name: "small", path: "/" },
  { name: "64 KB", path: "/64k" },
];
const duration = Number(values.duration);
const rounds = Number(values.rounds);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

console.error("warm-up: 2 s of each cell per proxy");
for (const shape of shapes)
  for (const size of sizes)
    for (const port of [ports.nginx, ports.pier]) await h2load(shape.args, size.path, port, 2);

const samples = new Map<string, H2loadResult[]>();
const ratios = new Map<string, number[]>();
for (let round = 0; round < rounds; round++) {
  for (const shape of shapes) {
    for (const size of sizes) {
      const cell = `${shape.name}|${size.name}`;
      const order = round % 2 === 0 ? ["nginx", "pier", "pier", "nginx"] : ["pier", "nginx", "nginx", "pier"];
      const got: Record<string, H2loadResult[]> = { nginx: [], pier: [] };
      for (const who of order) {
        const r = await h2load(shape.args, size.path, who === "pier" ? ports.pier : ports.nginx, duration);
        got[who]!.push(r);
        samples.set(`${cell}|${who}`, [...(samples.get(`${cell}|${who}`) ?? []), r]);
        console.error(`round ${round + 1} ${cell} ${who}: ${JSON.stringify(r)}`);
      }
      // A run that gave no figure (killed, or h2load could not connect) leaves its round out.
      const sum = (xs: H2loadResult[]) => xs.reduce((a, x) => a + x.rps, 0);
      if ([...got.pier!, ...got.nginx!].every((x) => x.rps > 0))
        ratios.set(cell, [...(ratios.get(cell) ?? []), sum(got.pier!) / sum(got.nginx!)]);
    }
  }
}

const rows: string[] = [];
for (const shape of shapes) {
  for (const size of sizes) {
    const cell = `${shape.name}|${size.name}`;
    const rs = ratios.get(cell) ?? [];
    for (const who of ["nginx", "pier"]) {
      const runs = samples.get(`${cell}|${who}`)!;
      const xs = runs.filter((x) => x.rps > 0);
      if (xs.length === 0) {
        rows.push(`| h2load ${shape.name}, ${size.name} | ${who} | no figure | | | ${runs.length} runs | |`);
        continue;
      }
      const ratio =
        who === "pier" && rs.length > 0
          ? `${median(rs).toFixed(2)}x rps (${rs.filter((r) => r >= 1).length} of ${rs.length} rounds >= 1)`
          : "";
      rows.push(
        `| h2load ${shape.name}, ${size.name} | ${who} | ${Math.round(median(xs.map((x) => x.rps)))} | ${median(xs.map((x) => x.meanMs)).toFixed(2)} | ${median(xs.map((x) => x.maxMs)).toFixed(1)} | ${xs.reduce((a, x) => a + x.failed, 0)} | ${ratio} |`,
      );
    }
  }
}

const date = new Date().toISOString().slice(0, 10);
const loadAverage = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
const nginxVersion = Bun.spawnSync([nginxBin, "-v"]).stderr.toString().trim().replace("nginx version: ", "");
const section = `## Proxy: HTTP/2

Command: \`bun bench/proxy/h2.ts\` (part of \`make bench-proxy\`; 2 s of every cell through both proxies first, then ${rounds} rounds; in each, per cell, nginx and pier twice each in ABBA order; h2load -t1 -D${duration} over TLS with ALPN h2 to ${nginxVersion} (\`http2\`, ${cores} workers, proxy_pass with upstream keep-alive) and to pier's proxy pool (${cores} workers, bench/proxy/serve.ts); both proxy to one Bun.serve upstream over HTTP/1.1; ${cores} cores; all on 127.0.0.1; ${date}; load average at the end ${loadAverage}).
Figures are medians over all runs; the pier / nginx ratio is the median of the per-round ratios (pier's two runs over nginx's two). h2load reports the mean and the maximum time per request, not percentiles. The machine is shared with other test suites: compare rows of the same run.

| load | target | requests/s | mean ms | max ms | failed | pier / nginx |
| --- | --- | ---: | ---: | ---: | ---: | --- |
${rows.join("\n")}
`;
console.log(section);
if (!values["no-write"]) writeSectionKeepingNotes(section, "Proxy");
process.exit(0);
