import { parseDsn } from "../dsn.ts";

/**
 * Where an SDK puts its key: `X-Sentry-Auth: Sentry sentry_key=…, sentry_version=7`, the
 * `Authorization` header with the same syntax, `?sentry_key=` (browsers, to avoid a CORS preflight),
 * or only the DSN in the envelope header (tunnels). The first one found wins.
 */
export function keyFromHeaders(headers: Headers, query: URLSearchParams): string | null {
  for (const name of ["x-sentry-auth", "authorization"]) {
    const value = headers.get(name);
    if (value === null) continue;
    const key = keyOfAuthHeader(value);
    if (key) return key;
  }
  return query.get("sentry_key") || null;
}

// An SDK sends the same header on every request: remember the last few parses.
const parsedKeys = new Map<string, string | undefined>();
function keyOfAuthHeader(value: string): string | undefined {
  if (parsedKeys.has(value)) return parsedKeys.get(value);
  const key = parseAuthHeader(value).sentry_key;
  if (parsedKeys.size >= 256) parsedKeys.clear();
  parsedKeys.set(value, key);
  return key;
}

export function parseAuthHeader(value: string): Record<string, string> {
  const trimmed = value.trim();
  const body = /^sentry\s/i.test(trimmed) ? trimmed.slice(6) : trimmed;
  const out: Record<string, string> = {};
  for (const part of body.split(",")) {
    const eq = part.indexOf("=");
    if (eq === -1) continue;
    out[part.slice(0, eq).trim().toLowerCase()] = part.slice(eq + 1).trim();
  }
  return out;
}

/** The key and project id of the DSN an envelope header carries, when it carries one. */
export function keyFromEnvelopeDsn(dsn: unknown): { publicKey: string; projectId: string } | null {
  if (typeof dsn !== "string") return null;
  const parsed = parseDsn(dsn);
  return parsed ? { publicKey: parsed.publicKey, projectId: parsed.projectId } : null;
}
