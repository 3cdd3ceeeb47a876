/**
 * Route-swap latency with 10,000 routes: from the publish call until every worker acknowledged.
 * Runs inside bench/proxy/run.ts, or alone: `bun bench/proxy/routeSwap.ts`.
 */
import { routeSpecSchema, startProxyPool } from "@pier/proxy";
import { freePort } from "../../test/support/ports.ts";

export interface RouteSwapFigures {
  /** One route of 10,000 changed per publish, as a deploy does. */
  oneChanged: number[];
  /** All 10,000 routes replaced (a restart of pier's route source rebuilding every upstream). */
  allReplaced: number[];
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

export async function measureRouteSwap(
  workers: number,
  runs = { one: 100, all: 30 },
): Promise<RouteSwapFigures> {
  const pool = await startProxyPool({ workers, httpPort: freePort(), hostname: "127.0.0.1" });
  // Fresh objects on every publish, like pier's route providers (they read the database each time).
  const routeN = (i: number, port: number) =>
    routeSpecSchema.parse({
      id: `r${i}`,
      host: `app${i}.bench.test`,
      upstreams: [`http://127.0.0.1:${port}`],
    });
  const ports = Array.from({ length: 10_000 }, () => 1);
  const table = () => ports.map((port, i) => routeN(i, port));
  await pool.publishRoutes(table());
  const oneChanged: number[] = [];
  for (let i = 0; i < runs.one; i++) {
    ports[(i * 97) % ports.length] = 2 + i;
    const routes = table();
    oneChanged.push((await pool.publishRoutes(routes)).ackMs);
  }
  const allReplaced: number[] = [];
  for (let i = 0; i < runs.all; i++) {
    ports.fill(200 + i);
    const routes = table();
    allReplaced.push((await pool.publishRoutes(routes)).ackMs);
  }
  await pool.stop();
  return { oneChanged, allReplaced };
}

export function describeRouteSwap(f: RouteSwapFigures, workers: number): string {
  const fmt = (xs: number[]) =>
    `p50 ${percentile(xs, 50).toFixed(1)} ms, p99 ${percentile(xs, 99).toFixed(1)} ms, max ${percentile(xs, 100).toFixed(1)} ms`;
  return (
    `Route swap with 10,000 routes, from the publish call until all ${workers} workers acknowledged (target p99 < 50 ms), ` +
    `route objects built afresh for every publish as pier's route providers do: one route changed per publish (${f.oneChanged.length} runs) ${fmt(f.oneChanged)}; ` +
    `all 10,000 routes replaced (${f.allReplaced.length} runs) ${fmt(f.allReplaced)}.`
  );
}

if (import.meta.main) {
  const workers = navigator.hardwareConcurrency;
  console.log(describeRouteSwap(await measureRouteSwap(workers), workers));
}
