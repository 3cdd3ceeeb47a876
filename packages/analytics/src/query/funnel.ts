import {
  type FunnelEvent,
  type FunnelResult,
  type FunnelStep,
  type Percentiles,
  type VitalMetric,
  type VitalStats,
  vitalScale,
  vitalThresholds,
} from "./types.ts";

function matches(step: FunnelStep, event: FunnelEvent): boolean {
  return "page" in step ? event.name === "pageview" && event.path === step.page : event.name === step.event;
}

/**
 * Ordered funnel within a visit: a visit reaches step k when it reached step k-1 earlier and then
 * has an event matching step k; unrelated events in between do not break it. Events are fed in
 * time order (visits interleaved), so stores can stream them straight off a (site, ts) index.
 */
export class FunnelCounter {
  private readonly progress = new Map<number, number>();

  constructor(private readonly steps: FunnelStep[]) {}

  add(event: FunnelEvent): void {
    const reached = this.progress.get(event.session) ?? 0;
    const next = this.steps[reached];
    if (next !== undefined && matches(next, event)) {
      this.progress.set(event.session, reached + 1);
    }
  }

  result(): FunnelResult {
    const reached = new Array<number>(this.steps.length).fill(0);
    for (const progress of this.progress.values())
      for (let i = 0; i < progress; i++) reached[i] = (reached[i] ?? 0) + 1;
    const at = (i: number) => reached[i] ?? 0;
    const rate = (a: number, b: number) => (b ? Math.round((a / b) * 10_000) / 10_000 : 0);
    return {
      steps: this.steps.map((step, i) => ({
        step,
        visits: at(i),
        conversionRate: rate(at(i), at(0)),
        fromPreviousRate: rate(at(i), at(i === 0 ? 0 : i - 1)),
      })),
    };
  }
}

export function computeFunnel(steps: FunnelStep[], events: Iterable<FunnelEvent>): FunnelResult {
  const counter = new FunnelCounter(steps);
  for (const event of events) counter.add(event);
  return counter.result();
}

/**
 * The WHERE term that reads only events some step can match; the terms are SQL already (quoted
 * literals for ClickHouse, `?` placeholders for SQLite), so both stores run the same condition.
 */
export function funnelMatchSql(pageTerms: string[], nameTerms: string[]): string {
  return [
    pageTerms.length ? `(name = 'pageview' AND path IN (${pageTerms.join(", ")}))` : "",
    nameTerms.length ? `name IN (${nameTerms.join(", ")})` : "",
  ]
    .filter(Boolean)
    .join(" OR ");
}

/** Nearest-rank percentile position (1-based) in a sorted list of n values; both stores use it. */
export function percentileRank(p: number, n: number): number {
  return Math.min(n, Math.max(1, Math.ceil(p * n)));
}

/** Nearest-rank percentile from a histogram of (value, count) sorted by value. */
export function percentileFromHistogram(
  p: number,
  histogram: [number, number][],
  total: number,
): number | null {
  if (total === 0) return null;
  const rank = percentileRank(p, total);
  let seen = 0;
  for (const [value, count] of histogram) {
    seen += count;
    if (seen >= rank) return value;
  }
  return histogram.at(-1)?.[0] ?? null;
}

/** p50/p75/p95 of a histogram of scaled values (sorted by value), scaled back to the metric's unit. */
export function percentilesFromHistogram(histogram: [number, number][], scale: number): Percentiles {
  const samples = histogram.reduce((sum, [, count]) => sum + count, 0);
  const at = (p: number) => {
    const v = percentileFromHistogram(p, histogram, samples);
    return v === null ? null : v / scale;
  };
  return { samples, p50: at(0.5), p75: at(0.75), p95: at(0.95) };
}

/** Percentiles and the good / needs-improvement / poor shares of one metric's scaled histogram. */
export function vitalFromHistogram(metric: VitalMetric, histogram: [number, number][]): VitalStats {
  const scale = vitalScale[metric];
  const percentiles = percentilesFromHistogram(histogram, scale);
  const { good, poor } = vitalThresholds[metric];
  const counts = { good: 0, needsImprovement: 0, poor: 0 };
  for (const [value, count] of histogram) {
    const unscaled = value / scale;
    if (unscaled <= good) counts.good += count;
    else if (unscaled <= poor) counts.needsImprovement += count;
    else counts.poor += count;
  }
  const share = (n: number) =>
    percentiles.samples ? Math.round((n / percentiles.samples) * 10_000) / 10_000 : 0;
  return {
    ...percentiles,
    ratings: {
      good: share(counts.good),
      needsImprovement: share(counts.needsImprovement),
      poor: share(counts.poor),
    },
  };
}
