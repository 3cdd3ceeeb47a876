import type { SeriesPoint } from "../query/types.ts";

const DAY = 86_400_000;
export const MAX_BUCKETS = 10_000;

export interface Segment {
  from: number;
  to: number;
  /** True for whole completed UTC days, answered from rollups. */
  rolled: boolean;
}

/** Splits [from, to) into a raw head, whole completed days before `todayStart`, and a raw tail. */
export function splitByWholeDays(from: number, to: number, todayStart: number): Segment[] {
  const firstWhole = Math.ceil(from / DAY) * DAY;
  const lastWhole = Math.min(Math.floor(to / DAY) * DAY, todayStart);
  if (firstWhole >= lastWhole) return [{ from, to, rolled: false }];
  const segments: Segment[] = [];
  if (from < firstWhole) segments.push({ from, to: firstWhole, rolled: false });
  segments.push({ from: firstWhole, to: lastWhole, rolled: true });
  if (lastWhole < to) segments.push({ from: lastWhole, to, rolled: false });
  return segments;
}

/** One point per bucket of the range, zeros where nothing happened. */
export function fillSeries(points: SeriesPoint[], from: number, to: number, unit: number): SeriesPoint[] {
  const byT = new Map(points.map((p) => [p.t, p]));
  const out: SeriesPoint[] = [];
  for (let t = Math.floor(from / unit) * unit; t < to && out.length < MAX_BUCKETS; t += unit) {
    out.push(
      byT.get(t) ?? {
        t,
        visitors: 0,
        visits: 0,
        pageviews: 0,
        viewsPerVisit: 0,
        bounceRate: 0,
        visitDurationMs: 0,
      },
    );
  }
  return out;
}
