export interface DailyRollup {
  day: string;
  checks: number;
  failures: number;
}

export interface LatencyPercentiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
  samples: number;
}

/** Nearest-rank percentiles over successful checks' latencies. */
export function percentiles(latencies: number[]): LatencyPercentiles {
  if (latencies.length === 0) return { p50: null, p95: null, p99: null, samples: 0 };
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
  return { p50: at(50), p95: at(95), p99: at(99), samples: sorted.length };
}

/** Share of successful checks in percent, null without data (a new monitor is not "0 % up"). */
export function uptimePercent(checks: number, failures: number): number | null {
  if (checks === 0) return null;
  return Math.round(((checks - failures) / checks) * 100_000) / 1000;
}

export function dayKey(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** The last `days` UTC days ending today, oldest first, with zeros where nothing was checked. */
export function dailySeries(rollups: DailyRollup[], days: number, now: Date): DailyRollup[] {
  const byDay = new Map(rollups.map((r) => [r.day, r]));
  const out: DailyRollup[] = [];
  for (let i = days - 1; i >= 0; i--) {
    const day = dayKey(new Date(now.getTime() - i * 86_400_000));
    out.push(byDay.get(day) ?? { day, checks: 0, failures: 0 });
  }
  return out;
}

export function sumRollups(rollups: DailyRollup[]): { checks: number; failures: number } {
  return rollups.reduce(
    (acc, r) => ({ checks: acc.checks + r.checks, failures: acc.failures + r.failures }),
    {
      checks: 0,
      failures: 0,
    },
  );
}

export interface LatencyBucket {
  /** Bucket start, epoch ms. */
  t: number;
  checks: number;
  failures: number;
  /** Of the bucket's successful checks; null without any. */
  p50: number | null;
  p95: number | null;
}

/**
 * Checks in `count` buckets of `bucketMs` starting at `from` (empty ones included), with the
 * response-time percentiles of each: what the monitor page charts.
 */
export function latencyBuckets(
  checks: { at: Date; ok: boolean; latencyMs: number }[],
  from: number,
  bucketMs: number,
  count: number,
): LatencyBucket[] {
  const slots = Array.from({ length: count }, () => ({ checks: 0, failures: 0, latencies: [] as number[] }));
  for (const check of checks) {
    const slot = slots[Math.floor((check.at.getTime() - from) / bucketMs)];
    if (!slot) continue;
    slot.checks++;
    if (check.ok) slot.latencies.push(check.latencyMs);
    else slot.failures++;
  }
  return slots.map((slot, i) => {
    const { p50, p95 } = percentiles(slot.latencies);
    return { t: from + i * bucketMs, checks: slot.checks, failures: slot.failures, p50, p95 };
  });
}
