import { type CheckResult, describeNetworkError, evaluateHttp } from "../evaluate.ts";
import type { HttpOptions } from "../monitor.ts";

const maxBodyBytes = 1024 * 1024;

export interface HttpCheckTarget {
  url: string;
  timeoutMs: number;
  http: HttpOptions;
}

/** Reads at most maxBodyBytes: a keyword check must not buffer a multi-gigabyte download. */
async function readCapped(response: Response): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < maxBodyBytes) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  await reader.cancel().catch(() => {});
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, maxBodyBytes));
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** `fetchImpl` is pier's egress fetch in `pier serve`: user-typed URLs go through the egress policy. */
export async function runHttpCheck(
  target: HttpCheckTarget,
  fetchImpl: FetchLike = fetch,
): Promise<CheckResult> {
  const started = performance.now();
  const signal = AbortSignal.timeout(target.timeoutMs);
  try {
    const response = await fetchImpl(target.url, {
      method: target.http.method,
      headers: { "user-agent": "pier-uptime/1", ...target.http.headers },
      redirect: target.http.followRedirects ? "follow" : "manual",
      signal,
      // Monitors send the same request every minute; a pooled connection would hide connect failures.
      keepalive: false,
      tls: target.http.ignoreTlsErrors ? { rejectUnauthorized: false } : undefined,
    } as RequestInit);
    const latencyMs = Math.round(performance.now() - started);
    const body = target.http.keyword !== undefined ? await readCapped(response) : undefined;
    if (body === undefined) await response.body?.cancel().catch(() => {});
    return evaluateHttp(target.http, { status: response.status, latencyMs, body });
  } catch (error) {
    return {
      ok: false,
      latencyMs: Math.round(performance.now() - started),
      error: describeNetworkError(error, target.timeoutMs),
    };
  }
}
