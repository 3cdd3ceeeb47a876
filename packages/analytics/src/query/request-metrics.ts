/** The proxy's per-minute aggregates for one app, as @pier/db's requestMetrics store returns them. */
export interface RequestMinute {
  minute: Date;
  requests: number;
  status2xx: number;
  status3xx: number;
  status4xx: number;
  status5xx: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  bytesIn: number;
  bytesOut: number;
}

export interface RequestSummary {
  requests: number;
  ratePerMinute: number;
  status: { "2xx": number; "3xx": number; "4xx": number; "5xx": number };
  /** Request-weighted means of the per-flush percentiles: an approximation, exact only per flush. */
  latencyMs: { p50: number; p95: number; p99: number };
  bytesIn: number;
  bytesOut: number;
  series: { t: number; requests: number; errors5xx: number; p95Ms: number }[];
}

export function summarizeRequestMetrics(rows: RequestMinute[], from: number, to: number): RequestSummary {
  const inRange = rows.filter((r) => r.minute.getTime() >= from && r.minute.getTime() < to);
  const sum = (f: (r: RequestMinute) => number) => inRange.reduce((s, r) => s + f(r), 0);
  const requests = sum((r) => r.requests);
  const weighted = (f: (r: RequestMinute) => number) =>
    requests ? Math.round((sum((r) => f(r) * r.requests) / requests) * 10) / 10 : 0;
  const byMinute = new Map<number, { requests: number; errors5xx: number; p95Weighted: number }>();
  for (const r of inRange) {
    const t = r.minute.getTime();
    const m = byMinute.get(t) ?? { requests: 0, errors5xx: 0, p95Weighted: 0 };
    m.requests += r.requests;
    m.errors5xx += r.status5xx;
    m.p95Weighted += r.p95Ms * r.requests;
    byMinute.set(t, m);
  }
  return {
    requests,
    ratePerMinute: Math.round((requests / Math.max(1, (to - from) / 60_000)) * 100) / 100,
    status: {
      "2xx": sum((r) => r.status2xx),
      "3xx": sum((r) => r.status3xx),
      "4xx": sum((r) => r.status4xx),
      "5xx": sum((r) => r.status5xx),
    },
    latencyMs: {
      p50: weighted((r) => r.p50Ms),
      p95: weighted((r) => r.p95Ms),
      p99: weighted((r) => r.p99Ms),
    },
    bytesIn: sum((r) => r.bytesIn),
    bytesOut: sum((r) => r.bytesOut),
    series: [...byMinute]
      .sort(([a], [b]) => a - b)
      .map(([t, m]) => ({
        t,
        requests: m.requests,
        errors5xx: m.errors5xx,
        p95Ms: m.requests ? Math.round(m.p95Weighted / m.requests) : 0,
      })),
  };
}
