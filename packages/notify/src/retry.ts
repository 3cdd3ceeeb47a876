export interface RetryPolicy {
  /** Total tries including the first. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { attempts: 5, baseDelayMs: 2_000, maxDelayMs: 60_000 };

/**
 * Exponential back-off with "equal jitter": half the delay is fixed so retries never bunch up at
 * zero, half is random so many failing deliveries do not hit a recovering receiver together.
 */
export function backoffDelay(policy: RetryPolicy, failedAttempt: number, random = Math.random): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failedAttempt - 1));
  return Math.round(exp / 2 + (random() * exp) / 2);
}

/** 408, 429 and 5xx are worth another try; any other 4xx means the request itself is wrong. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

export interface AttemptOutcome {
  ok: boolean;
  retryable: boolean;
  status?: number;
  error?: string;
  /** A receiver's Retry-After, honoured up to the policy's maximum. */
  retryAfterMs?: number;
}

export interface DeliveryResult {
  ok: boolean;
  attempts: number;
  status?: number;
  error?: string;
}

export async function withRetries(
  policy: RetryPolicy,
  attempt: (n: number) => Promise<AttemptOutcome>,
  sleep: (ms: number) => Promise<void>,
): Promise<DeliveryResult> {
  let last: AttemptOutcome = { ok: false, retryable: false, error: "not attempted" };
  for (let n = 1; n <= policy.attempts; n++) {
    try {
      last = await attempt(n);
    } catch (error) {
      last = { ok: false, retryable: true, error: (error as Error).message };
    }
    if (last.ok) return { ok: true, attempts: n, status: last.status };
    if (!last.retryable || n === policy.attempts)
      return { ok: false, attempts: n, status: last.status, error: last.error };
    const delay = Math.min(policy.maxDelayMs, last.retryAfterMs ?? backoffDelay(policy, n));
    await sleep(delay);
  }
  return { ok: false, attempts: policy.attempts, status: last.status, error: last.error };
}
