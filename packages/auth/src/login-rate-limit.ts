export interface LoginRateLimitOptions {
  maxFailures: number;
  windowMs: number;
  now?: () => number;
}

export type LoginGate = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * Counts failed logins per key (client address + account) in a fixed window. In memory on purpose:
 * a restart resets it, which costs an attacker a restart they cannot trigger.
 */
export class LoginRateLimiter {
  private readonly failures = new Map<string, { count: number; windowStart: number }>();
  private readonly now: () => number;

  constructor(private readonly options: LoginRateLimitOptions) {
    this.now = options.now ?? Date.now;
  }

  check(key: string): LoginGate {
    const entry = this.current(key);
    if (!entry || entry.count < this.options.maxFailures) return { allowed: true };
    const retryAfterMs = entry.windowStart + this.options.windowMs - this.now();
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) };
  }

  recordFailure(key: string): void {
    const entry = this.current(key);
    if (entry) entry.count++;
    else this.failures.set(key, { count: 1, windowStart: this.now() });
    if (this.failures.size > 10_000) this.evictExpired();
  }

  recordSuccess(key: string): void {
    this.failures.delete(key);
  }

  private current(key: string) {
    const entry = this.failures.get(key);
    if (!entry) return undefined;
    if (this.now() - entry.windowStart >= this.options.windowMs) {
      this.failures.delete(key);
      return undefined;
    }
    return entry;
  }

  private evictExpired(): void {
    for (const key of [...this.failures.keys()]) this.current(key);
  }
}
