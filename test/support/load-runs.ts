import type { LoadReport } from "./http-load.ts";
import { repoRoot } from "./pier-process.ts";

/**
 * Runs test/support/http-load.ts in a process of its own (so the load does not share a thread
 * with the test or benchmark that drives pier) and resolves with its report.
 */
export function spawnLoad(options: {
  port: number;
  host: string;
  path?: string;
  mode: "keepalive" | "fresh";
  connections: number;
  durationMs: number;
}): Promise<LoadReport> {
  const proc = Bun.spawn(
    [
      process.execPath,
      `${repoRoot}/test/support/http-load.ts`,
      String(options.port),
      options.host,
      options.path ?? "/",
      options.mode,
      String(options.connections),
      String(options.durationMs),
    ],
    { stdout: "pipe", stderr: "inherit" },
  );
  return new Response(proc.stdout).text().then((text) => JSON.parse(text) as LoadReport);
}

/** Every way a request of the run failed; all zero or empty when each got a 200. */
export function failuresOf(report: LoadReport) {
  return {
    mode: report.mode,
    notOk: report.requests - report.ok,
    statuses: report.statuses,
    resets: report.resets,
    refused: report.refused,
    dropped: report.dropped,
    timeouts: report.timeouts,
    errors: report.errors,
  };
}

export const noFailures = (mode: string) => ({
  mode,
  notOk: 0,
  statuses: {},
  resets: 0,
  refused: 0,
  dropped: 0,
  timeouts: 0,
  errors: {},
});

/** The latencies (ms) of the requests started in [from, to) (epoch ms). */
export function latenciesBetween(reports: LoadReport[], from: number, to: number): number[] {
  return reports.flatMap((r) => r.latencies.filter(([at]) => at >= from && at < to).map(([, ms]) => ms));
}

/** The p-th percentile (nearest rank) of `values`; 0 when there are none. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}
