export interface WebhookTarget {
  url: string;
  secret: string | null;
}

export interface WebhookOptions {
  attempts?: number;
  timeoutMs?: number;
  backoffMs?: number;
  fetch?: (input: string, init?: RequestInit) => Promise<Response>;
  now?: () => number;
}

/** `sha256=` HMAC of `timestamp.body`: receivers recompute it and reject replays by the timestamp. */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${new Bun.CryptoHasher("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/**
 * POSTs a JSON payload, retrying 5xx and network failures with exponential backoff. Returns
 * whether a 2xx came back; never throws, because a broken receiver must not break ingestion.
 */
export async function sendWebhook(
  target: WebhookTarget,
  event: string,
  payload: unknown,
  options: WebhookOptions = {},
): Promise<{ delivered: boolean; status: number | null; attempts: number }> {
  const attempts = options.attempts ?? 3;
  const doFetch = options.fetch ?? fetch;
  const body = JSON.stringify(payload);
  let status: number | null = null;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const timestamp = String(Math.floor((options.now ?? Date.now)() / 1000));
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "user-agent": "pier-errors-webhook",
      "x-pier-event": event,
      "x-pier-timestamp": timestamp,
    };
    if (target.secret) headers["x-pier-signature"] = webhookSignature(target.secret, timestamp, body);
    // A cleared timer rather than AbortSignal.timeout(): that one keeps the process alive until it
    // fires, which delayed pier's exit by up to the timeout after every delivery.
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), options.timeoutMs ?? 5000);
    try {
      const res = await doFetch(target.url, {
        method: "POST",
        headers,
        body,
        signal: abort.signal,
        redirect: "manual",
      });
      status = res.status;
      await res.body?.cancel();
      if (res.ok) return { delivered: true, status, attempts: attempt };
      if (res.status < 500 && res.status !== 429) return { delivered: false, status, attempts: attempt };
    } catch {
      status = null;
    } finally {
      clearTimeout(timer);
    }
    if (attempt < attempts) await Bun.sleep((options.backoffMs ?? 500) * 2 ** (attempt - 1));
  }
  return { delivered: false, status, attempts };
}
