import type { FunnelEvent, FunnelResult, FunnelStep } from "./types.ts";

function matches(step: FunnelStep, event: FunnelEvent): boolean {
  return "page" in step ? event.name === "pageview" && event.path === step.page : event.name === step.event;
}

/**
 * Ordered funnel within a visit: a visit reaches step k when it reached step k-1 earlier and then
 * has an event matching step k. Events must arrive sorted by (session, ts); unrelated events in
 * between do not break the funnel.
 */
export function computeFunnel(steps: FunnelStep[], events: Iterable<FunnelEvent>): FunnelResult {
  const reached = new Array<number>(steps.length).fill(0);
  let session: number | null = null;
  let progress = 0;
  const close = () => {
    for (let i = 0; i < progress; i++) reached[i]++;
  };
  for (const event of events) {
    if (event.session !== session) {
      if (session !== null) close();
      session = event.session;
      progress = 0;
    }
    if (progress < steps.length && matches(steps[progress], event)) progress++;
  }
  if (session !== null) close();
  const first = reached[0] ?? 0;
  return {
    steps: steps.map((step, i) => ({
      step,
      visits: reached[i],
      conversionRate: first ? Math.round((reached[i] / first) * 10_000) / 10_000 : 0,
      fromPreviousRate:
        i === 0
          ? first
            ? 1
            : 0
          : reached[i - 1]
            ? Math.round((reached[i] / reached[i - 1]) * 10_000) / 10_000
            : 0,
    })),
  };
}

/** Nearest-rank percentile position (1-based) in a sorted list of n values; both stores use it. */
export function percentileRank(p: number, n: number): number {
  return Math.min(n, Math.max(1, Math.ceil(p * n)));
}
