import type { RequestMetricRow } from "@pier/db";
import type { RequestSummary } from "./types.ts";

export type { RequestSummary };

/** The proxy's per-minute aggregates for one app: @pier/db's stored row without the app key. */
export type RequestMinute = Omit<RequestMetricRow, "appKey">;

type Percentile = "p50Ms" | "p95Ms" | "p99Ms";

/**
 * Mean of one percentile over rows, each weighted by its requests (0 without requests). An
 * approximation: exact percentiles of merged rows would need the raw samples. Unrounded, so
 * callers choose their precision.
 */
export function requestWeightedMean(rows: RequestMinute[], percentile: Percentile): number {
  let requests = 0;
  let weighted = 0;
  for (const r of rows) {
    requests += r.requests;
    weighted += r[percentile] * r.requests;
  }
  return requests ? weighted / requests : 0;
}

/**
 * One row per minute, ascending: several rows per minute are normal (one per proxy flush), so
 * counts add up and percentiles are request-weighted (unrounded).
 */
export function mergeRequestMinutes(rows: RequestMinute[]): RequestMinute[] {
  const byMinute = new Map<number, RequestMinute[]>();
  for (const r of rows) {
    const t = r.minute.getTime();
    const list = byMinute.get(t);
    if (list) list.push(r);
    else byMinute.set(t, [r]);
  }
  return [...byMinute]
    .sort(([a], [b]) => a - b)
    .map(([t, list]) => {
      const sum = (field: Exclude<keyof RequestMinute, "minute" | Percentile>) =>
        list.reduce((s, r) => s + r[field], 0);
      return {
        minute: new Date(t),
        requests: sum("requests"),
        status2xx: sum("status2xx"),
        status3xx: sum("status3xx"),
        status4xx: sum("status4xx"),
        status5xx: sum("status5xx"),
        p50Ms: requestWeightedMean(list, "p50Ms"),
        p95Ms: requestWeightedMean(list, "p95Ms"),
        p99Ms: requestWeightedMean(list, "p99Ms"),
        bytesIn: sum("bytesIn"),
        bytesOut: sum("bytesOut"),
      };
    });
}

export function summarizeRequestMetrics(rows: RequestMinute[], from: number, to: number): RequestSummary {
  const inRange = rows.filter((r) => r.minute.getTime() >= from && r.minute.getTime() < to);
  const sum = (f: (r: RequestMinute) => number) => inRange.reduce((s, r) => s + f(r), 0);
  const requests = sum((r) => r.requests);
  const latency = (percentile: Percentile) => Math.round(requestWeightedMean(inRange, percentile) * 10) / 10;
  return {
    requests,
    ratePerMinute: Math.round((requests / Math.max(1, (to - from) / 60_000)) * 100) / 100,
    status: {
      "2xx": sum((r) => r.status2xx),
      "3xx": sum((r) => r.status3xx),
      "4xx": sum((r) => r.status4xx),
      "5xx": sum((r) => r.status5xx),
    },
    latencyMs: { p50: latency("p50Ms"), p95: latency("p95Ms"), p99: latency("p99Ms") },
    bytesIn: sum((r) => r.bytesIn),
    bytesOut: sum((r) => r.bytesOut),
    series: mergeRequestMinutes(inRange).map((m) => ({
      t: m.minute.getTime(),
      requests: m.requests,
      errors5xx: m.status5xx,
      p95Ms: Math.round(m.p95Ms),
    })),
  };
}
