import { MAX_FUTURE_SKEW_MS } from "@pier/otlp";
import type { SpanRecord } from "./span.ts";

/**
 * The spans to store, with times retention can act on. One that starts further ahead than clocks
 * drift is moved to the time received, its events with it, so its duration and the offsets inside
 * it stay as sent; a duration longer than retention is cut to it. One that starts before `oldestUs`
 * (retention) would be swept at once, and is refused: counted in `rejected`.
 */
export function admitSpanTimes(
  spans: readonly SpanRecord[],
  nowUs: number,
  oldestUs: number,
): { spans: SpanRecord[]; rejected: number } {
  const kept: SpanRecord[] = [];
  for (const span of spans) {
    if (span.startUs < oldestUs) continue;
    const shift = span.startUs > nowUs + MAX_FUTURE_SKEW_MS * 1000 ? nowUs - span.startUs : 0;
    const durationUs = Math.min(span.durationUs, nowUs - oldestUs);
    if (shift === 0 && durationUs === span.durationUs) {
      kept.push(span);
      continue;
    }
    kept.push({
      ...span,
      startUs: span.startUs + shift,
      durationUs,
      events: span.events.map((e) => ({ ...e, timeUs: e.timeUs + shift })),
    });
  }
  return { spans: kept, rejected: spans.length - kept.length };
}
