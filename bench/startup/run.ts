// Binary size, cold start to /healthz and idle RSS of `pier serve`. Run with `make bench-startup`.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
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

// Subsystems load on first use: one request under each prefix loads them all (any answer will do).
const token = `pier_${"b".repeat(40)}`;
const everySubsystem = [
  "/",
  "/api/v1/apps-overview",
  "/api/v1/errors/projects",
  "/api/v1/analytics/sites",
  "/api/v1/monitors",
  "/api/v1/ai/providers",
];

/**
 * Resident pages of the executable depend on how its page cache was filled. A binary that was
 * just written (right after `make build` or a download) sits in large page-cache folios, and the
 * kernel maps whole folios into the process on a fault: more RSS for the same code (how much:
 * docs/performance.md, Startup and footprint).
 * Once the binary has been read from disk (after a reboot, or any time its cache was dropped) the
 * process maps only what it touches. Both states are measured; `dd iflag=nocache count=0` drops
 * the binary's cached pages so "from disk" does not depend on what ran before.
 */
function dropFromPageCache(path: string): void {
  const dd = Bun.spawnSync(["dd", `if=${path}`, "iflag=nocache", "count=0"], { stderr: "pipe" });
  if (dd.exitCode !== 0) throw new Error(`dd could not drop ${path} from the page cache: ${dd.stderr}`);
}

function justWrittenCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), "pier-bench-bin-"));
  const copy = join(dir, "pier");
  writeFileSync(copy, readFileSync(pierBinary), { mode: 0o755 });
  return copy;
}

async function idleRss(
  workers: number,
  options: { useEverything?: boolean; binary?: string } = {},
): Promise<{ rss: number; anon: number; file: number }> {
  const binary = options.binary ?? pierBinary;
  if (!options.binary) dropFromPageCache(binary);
  const pier = await startPier({
    binary,
    args: ["--proxy-workers", String(workers)],
    env: { PIER_ADMIN_TOKEN: token },
  });
  if (options.useEverything) {
    for (const path of everySubsystem) {
      await fetch(`${pier.url}${path}`, { headers: { authorization: `Bearer ${token}` } }).then((r) =>
        r.arrayBuffer(),
      );
    }
  }
  await Bun.sleep(idleSeconds * 1000);
  const measured = { rss: rssKb(pier.proc.pid), ...rssSplitKb(pier.proc.pid) };
  await pier.stop();
  return measured;
}
const idleControlPlane = await idleRss(0);
const justWritten = justWrittenCopy();
const idleJustWritten = await idleRss(0, { binary: justWritten });
rmSync(dirname(justWritten), { recursive: true, force: true });
const idleEverythingLoaded = await idleRss(0, { useEverything: true });
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
  `| idle RSS after ${idleSeconds} s, control plane only (--proxy-workers 0), binary read from disk | ${(idleControlPlane.rss / 1024).toFixed(1)} MB (anonymous ${(idleControlPlane.anon / 1024).toFixed(1)} MB, executable pages ${(idleControlPlane.file / 1024).toFixed(1)} MB) | < 40 MB |`,
  `| the same, binary just written (large page-cache folios) | ${(idleJustWritten.rss / 1024).toFixed(1)} MB (anonymous ${(idleJustWritten.anon / 1024).toFixed(1)} MB, executable pages ${(idleJustWritten.file / 1024).toFixed(1)} MB) | |`,
  `| idle RSS after ${idleSeconds} s, control plane after one request to every subsystem | ${(idleEverythingLoaded.rss / 1024).toFixed(1)} MB (anonymous ${(idleEverythingLoaded.anon / 1024).toFixed(1)} MB) | |`,
  `| idle RSS after ${idleSeconds} s, with 2 proxy workers | ${(idleWithProxy.rss / 1024).toFixed(1)} MB (anonymous ${(idleWithProxy.anon / 1024).toFixed(1)} MB) | |`,
  `| \`pier --version\` wall time (median of ${runs}) | ${median(versionMs).toFixed(0)} ms | |`,
].join("\n");
console.log(table);
const notes = `
Reading these figures (all subsystems built in: proxy, TLS, deploy, errors, analytics, uptime, AI gateway, dashboard):
- Both targets are met for a binary read from disk, the state of a pier started after a reboot (or
  restarted once its page cache was dropped). Before the work on this: 169 ms and 71 MB (anonymous 28 MB).
- The executable's resident pages depend on the page cache. A binary that was just written (right
  after \`make build\`, a download or a copy) sits in large page-cache folios, and the kernel maps whole
  folios into the process when it touches one page: the same start then shows 5-9 MB more executable
  pages, and the control plane is over the target. Those pages are the shared, clean page cache of
  the file, not memory pier allocated: the anonymous part is the same in both rows. The benchmark
  drops the binary's cached pages (\`dd iflag=nocache count=0\`) before each "from disk" measurement and
  writes a fresh copy for the "just written" one, so neither depends on what ran before.
- Cold start: \`startPier\` takes about 20 ms on a fresh data dir (migrations of every package
  included); the rest is the process, the CLI and evaluating the modules the start needs. The start-up
  polls /healthz every 25 ms, so the figure is up to 25 ms late; with other benchmarks loading the
  machine (load average 3) the median was 113 ms.
- Subsystems load on first use: each module's start runs its migrations and registers thin routes; the
  implementation (a separate chunk of the \`--splitting\` build) is imported on the first request under
  its prefix, or at start when there is work to resume (deployments to reconcile, monitors to check,
  notification channels, stored error events, an analytics.db, PIER_CLICKHOUSE_URL set). The errors
  writer thread (about 8 MB) starts on the first error event. A pier that uses everything sits near the
  "after one request to every subsystem" line (plus the writer thread once events arrive); the proxy
  pool's code loads only with --proxy-workers > 0. An API call without credentials is answered by the
  core API without loading anything. \`/healthz\` is a static route of the console's Bun.serve, so
  health checks run no JavaScript.
- Libraries load when first needed: acme-client and node-forge on the first certificate, and
  node:crypto and node:https (JavaScript modules in Bun, about 0.8 MB of idle RSS together) on the
  first certificate work. \`"sideEffects": false\` in the packages whose migrations the thin modules
  import at start keeps their code and @clickhouse/client out of the start.
- Build (Makefile BUILD_FLAGS): \`--bytecode-order\` lays out the bytecode a recorded start used at the
  front of the executable (bench/startup/bytecode-order.txt, refreshed with \`make bytecode-order\`;
  about 3 MB of file pages), and \`--compile-jit-policy=50\` keeps run-once start-up code in the
  interpreter; the console sets the normal JIT policy once it listens (proxy and writer workers always
  have it).
- What the rest is: mostly Bun's own code pages and read-only data. A compiled hello world with
  bun:sqlite, WebCrypto, Hono, zod and drizzle (Bun.serve answering /healthz) measures 25.6 MB from
  disk and 32.8 MB just written (anonymous 4.9 MB), so pier's control plane is about 12 MB above the
  runtime floor in both states. Its anonymous 10.6 MB hold about 5 MB of JS heap: zod v4 and drizzle
  themselves, zod schemas built at module load, drizzle tables, Hono routes of the core API, config and
  CLI. Tried without effect: a full GC after start (\`Bun.gc(true)\`), \`--smol\`, building the core API lazily (0.3 MB).`;
writePerformanceSection(
  "Startup and footprint",
  `Command: \`make bench-startup\` (bench/startup/run.ts). Machine: ${machineLine()}.\n\n${table}\n${notes}`,
);
