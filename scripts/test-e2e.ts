// `make test-e2e`: the end-to-end suites, several files at once. Most of a suite's time is spent
// waiting (Docker builds, containers starting, health checks, qemu, a browser), so on CI's two
// cores two files at a time roughly halve the wall time. Each suite already isolates what it
// uses (its own pier, data dir, free ports, database and container names), which is what makes
// running them side by side safe.
//
//   bun scripts/test-e2e.ts [FILE...]     E2E_JOBS=N (default 2) files at a time
//
// A file's output is printed whole when it ends (never interleaved), then a table of durations;
// the exit code is 1 when any file failed.
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { type E2eOutcome, longestFirst, summary } from "./test-e2e-plan.ts";

const root = join(import.meta.dir, "..");
const dir = join(root, "test/e2e");
const jobs = Math.max(1, Number(process.env.E2E_JOBS ?? 2) || 1);
const requested = process.argv.slice(2);
const files = requested.length
  ? requested
  : readdirSync(dir)
      .filter((f) => f.endsWith(".e2e.test.ts"))
      .map((f) => relative(root, join(dir, f)));

// Bigger files tend to run longer: start them first so no long one is left for the end alone.
const queue = longestFirst(files.map((file) => ({ file, size: statSync(join(root, file)).size })));
const outcomes: E2eOutcome[] = [];
const started = performance.now();

async function runOne(file: string): Promise<void> {
  const t0 = performance.now();
  const child = Bun.spawn([process.execPath, "test", "--timeout", "600000", file], {
    cwd: root,
    stdout: "pipe",
    stderr: "pipe",
    env: process.env,
    // A file that hangs past every test's own limit is stopped and counts as failed.
    timeout: 40 * 60_000,
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  const seconds = (performance.now() - t0) / 1000;
  outcomes.push({ file, code, seconds, output: code === 0 ? undefined : `${stdout}\n${stderr}` });
  process.stdout.write(
    `\n==> ${file}: ${code === 0 ? "passed" : `FAILED (exit ${code})`} in ${seconds.toFixed(0)} s\n${stdout}${stderr}`,
  );
}

async function worker(): Promise<void> {
  for (let next = queue.shift(); next; next = queue.shift()) await runOne(next);
}

console.log(`e2e: ${files.length} files, ${jobs} at a time`);
await Promise.all(Array.from({ length: Math.min(jobs, files.length) }, worker));
const { text, failed } = summary(outcomes, (performance.now() - started) / 1000);
console.log(text);
process.exit(failed ? 1 : 0);
