export interface LoginRateLimitOptions {
  maxFailures: number;
  windowMs: number;
  now?: () => number;
}

/** An attempt let through: report how it ended, exactly once. */
export interface LoginAttempt {
  allowed: true;
  succeeded(): void;
  failed(): void;
}

export type LoginGate = LoginAttempt | { allowed: false; retryAfterSeconds: number };

interface Entry {
  failures: number;
  /** Attempts let through whose outcome is not known yet. */
  pending: number;
  windowStart: number;
}

/**
 * Counts failed logins per key (client address + account) in a fixed window. An attempt reserves
 * its place before the password is checked, so parallel guesses cannot all slip through while the
 * (slow, on purpose) hash is computed. In memory on purpose: a restart resets it, which costs an
 * attacker a restart they cannot trigger.
 */
export class LoginRateLimiter {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;

  constructor(private readonly options: LoginRateLimitOptions) {
    this.now = options.now ?? Date.now;
  }

  begin(key: string): LoginGate {
    let entry = this.current(key);
    if (entry && entry.failures + entry.pending >= this.options.maxFailures) {
      const retryAfterMs = entry.windowStart + this.options.windowMs - this.now();
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) };
    }
    if (!entry) {
      entry = { failures: 0, pending: 0, windowStart: this.now() };
      this.entries.set(key, entry);
      if (this.entries.size > 10_000) this.evictExpired();
    }
    entry.pending++;
    const reserved = entry;
    let settled = false;
    const settle = (failed: boolean) => {
      if (settled) return;
      settled = true;
      reserved.pending--;
      if (failed) reserved.failures++;
      else if (this.entries.get(key) === reserved) this.entries.delete(key);
    };
    return { allowed: true, succeeded: () => settle(false), failed: () => settle(true) };
  }

  private current(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.pending === 0 && this.now() - entry.windowStart >= this.options.windowMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private evictExpired(): void {
    for (const key of [...this.entries.keys()]) this.current(key);
  }
}
