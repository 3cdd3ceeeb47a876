// Type-only: workers never load the database code.
import type { RequestMetricRow } from "@pier/db";
import { FIELDS, NULL_ID, type PackedRecords } from "../shared/record-batch.ts";
import type { RequestRecord } from "../shared/request-record.ts";

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

/** An aggregate with nothing counted yet; addToAggregate and finishAggregate fill it. */
export function emptyAggregate(appId: string | null, minute: number): RequestMinuteAggregate {
  return {
    appId,
    minute,
    count: 0,
    status2xx: 0,
    status3xx: 0,
    status4xx: 0,
    status5xx: 0,
    p50Ms: 0,
    p95Ms: 0,
    p99Ms: 0,
    bytesIn: 0,
    bytesOut: 0,
  };
}

/** Counts one request's status class and bytes into `agg`. */
export function addToAggregate(
  agg: RequestMinuteAggregate,
  status: number,
  bytesIn: number,
  bytesOut: number,
): void {
  const cls = Math.floor(status / 100);
  if (cls === 2) agg.status2xx++;
  else if (cls === 3) agg.status3xx++;
  else if (cls === 4) agg.status4xx++;
  else if (cls === 5) agg.status5xx++;
  agg.bytesIn += bytesIn;
  agg.bytesOut += bytesOut;
}

/** Sets the count and percentiles from the group's durations, sorted ascending. */
export function finishAggregate(agg: RequestMinuteAggregate, sortedDurations: ArrayLike<number>): void {
  agg.count = sortedDurations.length;
  agg.p50Ms = percentile(sortedDurations, 50);
  agg.p95Ms = percentile(sortedDurations, 95);
  agg.p99Ms = percentile(sortedDurations, 99);
}

/** The order aggregates are returned in: by minute, then app. */
export function byMinuteThenApp(a: RequestMinuteAggregate, b: RequestMinuteAggregate): number {
  return a.minute - b.minute || (a.appId ?? "").localeCompare(b.appId ?? "");
}

/** Pure: groups records per app and per bucket (a minute by default), sorted by minute then app. */
export function aggregateRequestRecords(
  records: RequestRecord[],
  bucketMs = 60_000,
): RequestMinuteAggregate[] {
  const groups = new Map<string, { agg: RequestMinuteAggregate; durations: number[] }>();
  for (const r of records) {
    const minute = Math.floor(r.ts / bucketMs) * bucketMs;
    const key = `${minute}\u0000${r.appId ?? ""}`;
    let g = groups.get(key);
    if (!g) {
      g = { agg: emptyAggregate(r.appId, minute), durations: [] };
      groups.set(key, g);
    }
    addToAggregate(g.agg, r.status, r.bytesIn, r.bytesOut);
    g.durations.push(r.durationMs);
  }
  const out: RequestMinuteAggregate[] = [];
  for (const g of groups.values()) {
    finishAggregate(
      g.agg,
      g.durations.sort((a, b) => a - b),
    );
    out.push(g.agg);
  }
  return out.sort(byMinuteThenApp);
}

interface PackedGroup {
  appIndex: number;
  minute: number;
  count: number;
  durations: Float64Array;
  agg: RequestMinuteAggregate;
}

/**
 * Pure: what aggregateRequestRecords(unpackRecords(p)) gives, read straight from the packed
 * numbers. The main thread aggregates every record the proxy serves, and building a record object
 * each and sorting durations with a comparator cost it several times more per request
 * (docs/performance.md, Proxy notes).
 */
export function aggregatePackedRecords(p: PackedRecords, bucketMs = 60_000): RequestMinuteAggregate[] {
  const n = p.numbers;
  const groups = new Map<number, PackedGroup>();
  let last: PackedGroup | null = null;
  for (let r = 0; r < p.count; r++) {
    const o = r * FIELDS;
    const minute = Math.floor(n[o]! / bucketMs) * bucketMs;
    const appIndex = n[o + 7]!;
    let g: PackedGroup;
    if (last !== null && last.minute === minute && last.appIndex === appIndex) g = last;
    else {
      // Strings are interned per batch, so (minute, app index) identifies the group.
      const key: number = (minute / bucketMs) * (p.strings.length + 1) + appIndex + 1;
      const found = groups.get(key);
      if (found !== undefined) g = found;
      else {
        const appId = appIndex === NULL_ID ? null : (p.strings[appIndex] ?? null);
        g = newGroup(appIndex, appId, minute, Math.min(64, p.count - r));
        groups.set(key, g);
      }
      last = g;
    }
    addToAggregate(g.agg, n[o + 1]!, n[o + 3]!, n[o + 4]!);
    if (g.count === g.durations.length) {
      const bigger = new Float64Array(Math.min(2 * g.count, g.count + p.count - r));
      bigger.set(g.durations);
      g.durations = bigger;
    }
    g.durations[g.count++] = n[o + 2]!;
  }
  const out: RequestMinuteAggregate[] = [];
  for (const g of groups.values()) {
    // A typed array sorts numerically in native code; no comparator calls.
    finishAggregate(g.agg, g.durations.subarray(0, g.count).sort());
    out.push(g.agg);
  }
  return out.sort(byMinuteThenApp);
}

function newGroup(appIndex: number, appId: string | null, minute: number, capacity: number): PackedGroup {
  return {
    appIndex,
    minute,
    count: 0,
    durations: new Float64Array(capacity),
    agg: emptyAggregate(appId, minute),
  };
}

/**
 * When each route of a batch last served a request (epoch ms of the latest exchange's end), from
 * the packed route ids: what puts idle environments to sleep, per route rather than per app.
 */
export function routeLastSeen(p: PackedRecords): Map<string, number> {
  const seen = new Map<string, number>();
  const n = p.numbers;
  for (let r = 0; r < p.count; r++) {
    const o = r * FIELDS;
    const id = n[o + 6]!;
    if (id === NULL_ID) continue;
    const route = p.strings[id];
    if (route === undefined) continue;
    const at = n[o]! + n[o + 2]!;
    if ((seen.get(route) ?? 0) < at) seen.set(route, at);
  }
  return seen;
}
