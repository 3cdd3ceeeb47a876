/**
 * Per-key token bucket: `perMinute` events per minute with a burst of ten seconds' worth. In memory,
 * because a restart forgetting the buckets only ever lets a little more through.
 */
export class KeyRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; updatedAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Returns 0 when allowed, else the seconds until one event would be allowed again. */
  take(key: string, perMinute: number): number {
    if (perMinute <= 0) return 0;
    const ratePerMs = perMinute / 60_000;
    const capacity = Math.max(1, perMinute / 6);
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size > 10_000) this.buckets.clear();
      bucket = { tokens: capacity, updatedAt: now };
      this.buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(capacity, bucket.tokens + (now - bucket.updatedAt) * ratePerMs);
    bucket.updatedAt = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerMs / 1000));
  }
}
