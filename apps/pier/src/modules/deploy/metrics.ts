import type { RequestMetricRow } from "@pier/db";

export interface MetricPoint {
  minute: string;
  requests: number;
  status2xx: number;
  status3xx: number;
  status4xx: number;
  status5xx: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

/**
 * Several rows per minute are normal (one per proxy flush): counts add up, percentiles are
 * weighted by each row's requests (an approximation; exact ones would need the raw samples). Pure.
 */
export function mergeMetricRows(rows: RequestMetricRow[]): MetricPoint[] {
  const byMinute = new Map<number, RequestMetricRow[]>();
  for (const row of rows) {
    const key = row.minute.getTime();
    const list = byMinute.get(key) ?? [];
    list.push(row);
    byMinute.set(key, list);
  }
  return [...byMinute.entries()]
    .sort(([a], [b]) => a - b)
    .map(([minute, list]) => {
      const requests = list.reduce((sum, r) => sum + r.requests, 0);
      const weighted = (pick: (r: RequestMetricRow) => number) =>
        requests === 0 ? 0 : Math.round(list.reduce((sum, r) => sum + pick(r) * r.requests, 0) / requests);
      return {
        minute: new Date(minute).toISOString(),
        requests,
        status2xx: list.reduce((sum, r) => sum + r.status2xx, 0),
        status3xx: list.reduce((sum, r) => sum + r.status3xx, 0),
        status4xx: list.reduce((sum, r) => sum + r.status4xx, 0),
        status5xx: list.reduce((sum, r) => sum + r.status5xx, 0),
        p50Ms: weighted((r) => r.p50Ms),
        p95Ms: weighted((r) => r.p95Ms),
        p99Ms: weighted((r) => r.p99Ms),
      };
    });
}
