import { type HttpOptions, statusMatches } from "./monitor.ts";

export interface CheckResult {
  ok: boolean;
  latencyMs: number;
  status?: number;
  error?: string;
}

/** Decides whether an HTTP answer is healthy; the reason is what an incident will show. */
export function evaluateHttp(
  options: HttpOptions,
  response: { status: number; latencyMs: number; body?: string },
): CheckResult {
  const base = { latencyMs: response.latencyMs, status: response.status };
  if (!statusMatches(options.expectedStatus, response.status)) {
    return { ...base, ok: false, error: `HTTP ${response.status} (expected ${options.expectedStatus})` };
  }
  if (options.keyword !== undefined) {
    const found = (response.body ?? "").includes(options.keyword);
    if (options.keywordMode === "present" && !found)
      return { ...base, ok: false, error: `keyword "${options.keyword}" not found in the response` };
    if (options.keywordMode === "absent" && found)
      return { ...base, ok: false, error: `keyword "${options.keyword}" found in the response` };
  }
  if (options.maxLatencyMs !== undefined && response.latencyMs > options.maxLatencyMs) {
    return { ...base, ok: false, error: `slow: ${response.latencyMs} ms (limit ${options.maxLatencyMs} ms)` };
  }
  return { ...base, ok: true };
}

/** Turns fetch/socket errors into something an on-call human understands. */
export function describeNetworkError(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; code?: string; message?: string };
  if (e.name === "TimeoutError" || e.name === "AbortError") return `timed out after ${timeoutMs} ms`;
  const code = e.code ?? "";
  // The egress policy's own words: which address and why pier will not connect to it.
  if (code === "egress_refused") return e.message ?? "refused by the egress policy";
  if (code === "ECONNREFUSED" || /refused/i.test(e.message ?? "")) return "connection refused";
  if (code === "ENOTFOUND" || /getaddrinfo|DNS/i.test(e.message ?? "")) return "DNS lookup failed";
  if (code === "ECONNRESET") return "connection reset";
  if (/certificate|self[- ]signed|TLS|SSL/i.test(`${code} ${e.message}`))
    return `TLS error: ${e.message ?? code}`;
  return e.message ? `${code ? `${code}: ` : ""}${e.message}` : String(error);
}
