import { mergeRequestMinutes, type RequestMinute } from "@pier/analytics";

/** One minute of GET /api/v1/apps/:name/metrics. */
export type MetricPoint = Omit<RequestMinute, "minute" | "bytesIn" | "bytesOut"> & { minute: string };

/** The stored rows as the API's points: one per minute, percentiles rounded to whole ms. Pure. */
export function mergeMetricRows(rows: RequestMinute[]): MetricPoint[] {
  return mergeRequestMinutes(rows).map((m) => ({
    minute: m.minute.toISOString(),
    requests: m.requests,
    status2xx: m.status2xx,
    status3xx: m.status3xx,
    status4xx: m.status4xx,
    status5xx: m.status5xx,
    p50Ms: Math.round(m.p50Ms),
    p95Ms: Math.round(m.p95Ms),
    p99Ms: Math.round(m.p99Ms),
  }));
}
