import type { AttemptOutcome } from "./retry.ts";
import { isRetryableStatus } from "./retry.ts";

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** One POST of a JSON body; the caller decides about retries from the outcome. */
export async function postJson(
  fetchImpl: FetchLike,
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<AttemptOutcome> {
  let res: Response;
  try {
    res = await fetchImpl(url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "pier-notify", ...headers },
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    return { ok: false, retryable: true, error: `request failed: ${(error as Error).message}` };
  }
  // Drain so the connection can be reused; receivers' answers are not interesting beyond the status.
  const text = await res.text().catch(() => "");
  if (res.ok) return { ok: true, retryable: false, status: res.status };
  const retryAfter = Number(res.headers.get("retry-after"));
  return {
    ok: false,
    retryable: isRetryableStatus(res.status),
    status: res.status,
    error: `receiver answered ${res.status}${text ? `: ${text.slice(0, 200)}` : ""}`,
    retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
  };
}
