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

async function idleRss(workers: number): Promise<number> {
  const pier = await startPier({ args: ["--proxy-workers", String(workers)] });
  await Bun.sleep(idleSeconds * 1000);
  const kb = rssKb(pier.proc.pid);
  await pier.stop();
  return kb;
}
const idleControlPlane = await idleRss(0);
const idleWithProxy = await idleRss(2);

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const table = [
  "| measure | value | target |",
  "| --- | --- | --- |",
  `| binary size (linux-x64, raw) | ${mb(raw)} | |`,
  `| binary size (gzip -6) | ${mb(gz)} | |`,
  `| cold start to /healthz 200 (median of ${runs}, fresh data dir) | ${median(coldMs).toFixed(0)} ms (min ${Math.min(...coldMs).toFixed(0)}, max ${Math.max(...coldMs).toFixed(0)}) | < 150 ms |`,
  `| idle RSS after ${idleSeconds} s, control plane only (--proxy-workers 0) | ${(idleControlPlane / 1024).toFixed(1)} MB | < 40 MB |`,
  `| idle RSS after ${idleSeconds} s, with 2 proxy workers | ${(idleWithProxy / 1024).toFixed(1)} MB | |`,
].join("\n");
console.log(table);
writePerformanceSection(
  "Startup and footprint",
  `Command: \`make bench-startup\` (bench/startup/run.ts). Machine: ${machineLine()}.\n\n${table}`,
);
