import type { RouteSample } from "./store/trace-store.ts";

export interface Percentiles {
  count: number;
  errors: number;
  /** Milliseconds. */
  p50: number;
  p95: number;
  p99: number;
}

export interface RouteStats extends Percentiles {
  service: string;
  route: string;
  series: Array<Percentiles & { start: number }>;
}

/** Nearest-rank percentile of sorted values (the value at or above the p-th share of them). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

function summarize(samples: RouteSample[]): Percentiles {
  const durations = samples.map((s) => s.durationUs / 1000).sort((a, b) => a - b);
  return {
    count: samples.length,
    errors: samples.filter((s) => s.error).length,
    p50: percentile(durations, 50),
    p95: percentile(durations, 95),
    p99: percentile(durations, 99),
  };
}

/**
 * Per (service, route): p50/p95/p99 over the whole range and per time bucket (`bucketMs`,
 * epoch-aligned; empty buckets left out), slowest p95 first.
 */
export function routeStats(samples: RouteSample[], bucketMs: number): RouteStats[] {
  const byRoute = new Map<string, RouteSample[]>();
  for (const sample of samples) {
    const key = `${sample.service}\u0000${sample.route}`;
    const list = byRoute.get(key);
    if (list) list.push(sample);
    else byRoute.set(key, [sample]);
  }
  const stats: RouteStats[] = [];
  for (const list of byRoute.values()) {
    const buckets = new Map<number, RouteSample[]>();
    for (const sample of list) {
      const start = Math.floor(sample.startUs / 1000 / bucketMs) * bucketMs;
      const bucket = buckets.get(start);
      if (bucket) bucket.push(sample);
      else buckets.set(start, [sample]);
    }
    stats.push({
      service: list[0]!.service,
      route: list[0]!.route,
      ...summarize(list),
      series: [...buckets.entries()]
        .sort(([a], [b]) => a - b)
        .map(([start, bucket]) => ({ start, ...summarize(bucket) })),
    });
  }
  return stats.sort((a, b) => b.p95 - a.p95 || b.count - a.count);
}
