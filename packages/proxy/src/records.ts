// Type-only: workers never load the database code.
import type { RequestMetricRow } from "@pier/db";
import { z } from "zod";

/** One proxied request, as workers report it to the main thread. */
export const requestRecordSchema = z.object({
  /** Epoch ms when the request arrived. */
  ts: z.number(),
  host: z.string(),
  routeId: z.string().nullable(),
  appId: z.string().nullable(),
  status: z.number().int(),
  durationMs: z.number(),
  bytesIn: z.number(),
  bytesOut: z.number(),
  upstream: z.string().nullable(),
});
export type RequestRecord = z.infer<typeof requestRecordSchema>;

/**
 * What @pier/db's request_metrics row stores, as the proxy knows it before storage: the app id
 * (null for routes without an app), the bucket start in epoch ms, and unrounded percentiles.
 */
export type RequestMinuteAggregate = Omit<RequestMetricRow, "appKey" | "minute" | "requests"> & {
  appId: string | null;
  minute: number;
  count: number;
};

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Pure: groups records per app and per bucket (a minute by default), sorted by minute then app. */
export function aggregateRequestRecords(
  records: RequestRecord[],
  bucketMs = 60_000,
): RequestMinuteAggregate[] {
  const groups = new Map<string, { appId: string | null; minute: number; records: RequestRecord[] }>();
  for (const r of records) {
    const minute = Math.floor(r.ts / bucketMs) * bucketMs;
    const key = `${minute}\u0000${r.appId ?? ""}`;
    let g = groups.get(key);
    if (!g) {
      g = { appId: r.appId, minute, records: [] };
      groups.set(key, g);
    }
    g.records.push(r);
  }
  const out: RequestMinuteAggregate[] = [];
  for (const g of groups.values()) {
    const durations = g.records.map((r) => r.durationMs).sort((a, b) => a - b);
    const agg: RequestMinuteAggregate = {
      appId: g.appId,
      minute: g.minute,
      count: g.records.length,
      status2xx: 0,
      status3xx: 0,
      status4xx: 0,
      status5xx: 0,
      p50Ms: percentile(durations, 50),
      p95Ms: percentile(durations, 95),
      p99Ms: percentile(durations, 99),
      bytesIn: 0,
      bytesOut: 0,
    };
    for (const r of g.records) {
      const cls = Math.floor(r.status / 100);
      if (cls === 2) agg.status2xx++;
      else if (cls === 3) agg.status3xx++;
      else if (cls === 4) agg.status4xx++;
      else if (cls === 5) agg.status5xx++;
      agg.bytesIn += r.bytesIn;
      agg.bytesOut += r.bytesOut;
    }
    out.push(agg);
  }
  return out.sort((a, b) => a.minute - b.minute || (a.appId ?? "").localeCompare(b.appId ?? ""));
}
