/**
 * Requests and tokens of one key over the last 60 seconds, in one-second slots: constant memory
 * per key and O(60) per check, which is cheaper than keeping a timestamp per request.
 */
export class MinuteWindow {
  private readonly requests = new Float64Array(60);
  private readonly tokens = new Float64Array(60);
  private readonly stamps = new Float64Array(60);

  add(nowMs: number, requests: number, tokens: number): void {
    const second = Math.floor(nowMs / 1000);
    const slot = second % 60;
    if (this.stamps[slot] !== second) {
      this.stamps[slot] = second;
      this.requests[slot] = 0;
      this.tokens[slot] = 0;
    }
    this.requests[slot]! += requests;
    this.tokens[slot]! += tokens;
  }

  /** Totals over the window, and the seconds until the oldest slot with load drops out. */
  totals(nowMs: number): { requests: number; tokens: number; oldestAgeSeconds: number } {
    const second = Math.floor(nowMs / 1000);
    let requests = 0;
    let tokens = 0;
    let oldest = second;
    for (let i = 0; i < 60; i++) {
      const stamp = this.stamps[i]!;
      if (stamp > second - 60 && stamp <= second && (this.requests[i]! > 0 || this.tokens[i]! > 0)) {
        requests += this.requests[i]!;
        tokens += this.tokens[i]!;
        if (stamp < oldest) oldest = stamp;
      }
    }
    return { requests, tokens, oldestAgeSeconds: second - oldest };
  }
}

export interface MinuteLimits {
  requestsPerMinute?: number | null;
  tokensPerMinute?: number | null;
}

/** Undefined when the request may go; otherwise which limit and how long to wait. */
export function checkMinuteLimits(
  window: MinuteWindow,
  limits: MinuteLimits,
  nowMs: number,
): { limit: "requests" | "tokens"; retryAfterSeconds: number } | undefined {
  if (!limits.requestsPerMinute && !limits.tokensPerMinute) return undefined;
  const { requests, tokens, oldestAgeSeconds } = window.totals(nowMs);
  const retryAfterSeconds = Math.max(1, 60 - oldestAgeSeconds);
  if (limits.requestsPerMinute && requests >= limits.requestsPerMinute)
    return { limit: "requests", retryAfterSeconds };
  if (limits.tokensPerMinute && tokens >= limits.tokensPerMinute)
    return { limit: "tokens", retryAfterSeconds };
  return undefined;
}
