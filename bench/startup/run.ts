// Binary size, cold start to /healthz and idle RSS of `pier serve`. Run with `make bench-startup`.
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { pierBinary, startPier } from "../../test/support/pier-process.ts";
import { machineLine, writePerformanceSection } from "../support/performance-doc.ts";

const runs = Number(process.env.RUNS ?? 10);
const idleSeconds = Number(process.env.IDLE_SECONDS ?? 10);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function rssKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0);
}

/** Anonymous memory (heaps, JIT code) versus pages of the executable itself. */
function rssSplitKb(pid: number): { anon: number; file: number } {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  const field = (name: string) => Number(rollup.match(new RegExp(`${name}:\\s+(\\d+)`))?.[1] ?? 0);
  return { anon: field("Pss_Anon"), file: field("Pss_File") };
}

const raw = statSync(pierBinary).size;
const gz = gzipSync(readFileSync(pierBinary), { level: 6 }).byteLength;

// Cold start: process spawn until the first 200 from /healthz, fresh data dir each time
// (so migrations run too, which is the slowest honest case).
const coldMs: number[] = [];
for (let i = 0; i < runs; i++) {
  const started = performance.now();
  const pier = await startPier({
    dataDir: mkdtempSync(join(tmpdir(), "pier-bench-")),
    args: ["--proxy-workers", "0"],
  });
  coldMs.push(performance.now() - started);
  await pier.stop();
}

async function idleRss(workers: number): Promise<{ rss: number; anon: number; file: number }> {
  const pier = await startPier({ args: ["--proxy-workers", String(workers)] });
  await Bun.sleep(idleSeconds * 1000);
  const measured = { rss: rssKb(pier.proc.pid), ...rssSplitKb(pier.proc.pid) };
  await pier.stop();
  return measured;
}
const idleControlPlane = await idleRss(0);
const idleWithProxy = await idleRss(2);

// A CLI command loads none of the platform: what `pier apps list` and friends cost.
const versionMs: number[] = [];
for (let i = 0; i < runs; i++) {
  const started = performance.now();
  Bun.spawnSync([pierBinary, "--version"]);
  versionMs.push(performance.now() - started);
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const table = [
  "| measure | value | target |",
  "| --- | --- | --- |",
  `| binary size (linux-x64, raw) | ${mb(raw)} | |`,
  `| binary size (gzip -6) | ${mb(gz)} | |`,
  `| cold start to /healthz 200 (median of ${runs}, fresh data dir) | ${median(coldMs).toFixed(0)} ms (min ${Math.min(...coldMs).toFixed(0)}, max ${Math.max(...coldMs).toFixed(0)}) | < 150 ms |`,
  `| idle RSS after ${idleSeconds} s, control plane only (--proxy-workers 0) | ${(idleControlPlane.rss / 1024).toFixed(1)} MB (anonymous ${(idleControlPlane.anon / 1024).toFixed(1)} MB, executable pages ${(idleControlPlane.file / 1024).toFixed(1)} MB) | < 40 MB |`,
  `| idle RSS after ${idleSeconds} s, with 2 proxy workers | ${(idleWithProxy.rss / 1024).toFixed(1)} MB (anonymous ${(idleWithProxy.anon / 1024).toFixed(1)} MB) | |`,
  `| \`pier --version\` wall time (median of ${runs}) | ${median(versionMs).toFixed(0)} ms | |`,
].join("\n");
console.log(table);
const notes = `
Reading these figures (all subsystems built in: proxy, TLS, deploy, errors, analytics, uptime, AI gateway, dashboard):
- Both targets were met by the control plane alone early on (137 ms, 46 MB with only the API and database
  loaded) and are missed now that every subsystem starts with \`pier serve\`. \`startPier\` itself takes
  50-90 ms (migrations of every package on a fresh data dir included); the rest is loading and evaluating the
  bundled modules. Measured on a fresh data dir (no apps): the Docker client library (about 30 ms and 25 MB)
  is loaded only once container apps exist, so a pier running container apps sits about 25 MB higher.
- About 50 MB of the resident memory are pages of the executable (the Bun runtime: JavaScriptCore, SQLite,
  TLS, HTTP), which a bare compiled Bun hello-world already shows at about 20 MB; anonymous memory (heaps, JIT
  code, the errors writer thread, which adds about 7 MB) is about 33 MB.
- Done so far: bytecode ESM build (cold start 181 -> 67 ms at the time), acme-client, node-forge, the
  PostgreSQL driver and dockerode loaded on first use (with every subsystem: 219 -> 184 ms, 85 -> 71 MB), the
  CLI loading the platform only for \`serve\` (\`--version\` 140 -> 37 ms).
- Next steps: start the errors writer thread on the first event, start subsystems after the console listens.`;
writePerformanceSection(
  "Startup and footprint",
  `Command: \`make bench-startup\` (bench/startup/run.ts). Machine: ${machineLine()}.\n\n${table}\n${notes}`,
);
