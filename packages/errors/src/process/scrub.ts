/**
 * Server-side data scrubbing, as Sentry does it by default: SDKs and tools send more than anyone
 * should store (`sentry-cli send-event` attaches the whole process environment, tokens included).
 * Values under sensitive keys, and strings that look like credentials wherever they are, become
 * `[Filtered]` before the event is stored. Pure: the event object is changed in place.
 */

import { MAX_EVENT_DEPTH } from "./bound-depth.ts";

export const FILTERED = "[Filtered]";

export interface ScrubSettings {
  /** Off only when a project says so (e.g. a test project that needs raw payloads). */
  enabled: boolean;
  /** More key names to filter, on top of the defaults (matched case-insensitively as substrings). */
  fields: readonly string[];
  /** Drop user IP addresses instead of recording the client's. */
  dropIp: boolean;
}

export const defaultScrubSettings: ScrubSettings = { enabled: true, fields: [], dropIp: false };

/** Key names whose values are never kept (substring match, case-insensitive), as in Sentry's defaults. */
const sensitiveKeys = [
  "password",
  "passwd",
  "secret",
  "token",
  "api_key",
  "apikey",
  "api-key",
  "access_key",
  "auth",
  "credential",
  "cookie",
  "session",
  "private_key",
  "privatekey",
  "csrf",
  "xsrf",
  "dsn",
  "signature",
  "mysql_pwd",
];

/**
 * Strings that are credentials whatever key they are under. Repetitions are bounded: unbounded, a
 * 40 KB string of `a.a.a.…` or `eyJ-eyJ-…` cost one scan to its end per word boundary (~1 s).
 */
const credentialPatterns = [
  // pier's own secrets (packages/auth generateSecretToken): API tokens, AI keys, session and CSRF ids.
  /\b(?:pier_ai|pier|ses|csrf|edge)_[A-Za-z0-9]{20,200}\b/,
  /\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{10,500}\b/, // Stripe-style keys
  /\bsk-[A-Za-z0-9_-]{20,500}\b/, // OpenAI-style keys
  /\bAKIA[0-9A-Z]{16}\b/, // AWS access key ids
  /\bgh[pousr]_[A-Za-z0-9]{30,255}\b/, // GitHub tokens
  /\bxox[abposr]-[A-Za-z0-9-]{10,255}\b/, // Slack tokens
  /\beyJ[A-Za-z0-9_-]{10,1000}\.[A-Za-z0-9_-]{10,8000}\.[A-Za-z0-9_-]{10,1000}\b/, // JWTs
  /\b[Bb]earer\s{1,10}[A-Za-z0-9._~+/-]{16,4000}=*/, // Authorization values
  /-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----/,
  /\bhttps?:\/\/[0-9a-f]{32}@/, // Sentry DSNs (public key in the user part)
];

/** URLs with a password (database URLs, `redis://:pass@host`): group 1 is what stays visible. */
const urlPasswordPattern = /\b([a-z][a-z0-9+.-]{0,30}:\/\/[^\s:/@]{0,200}:)[^\s@/]{1,200}@/i;

/** `?name=value` / `&name=value` inside URLs; the value goes when the name is sensitive. */
const queryParamPattern = /([?&;])([^\s=&#?;]{1,64})=([^\s&#;"'<>]*)/g;

const textPatterns = credentialPatterns.map((p) => new RegExp(p.source, "g"));
const urlPasswordText = new RegExp(urlPasswordPattern.source, "gi");

const cardPattern = /\b(?:\d[ -]?){13,19}\b/g;

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export function looksLikeCredential(value: string): boolean {
  for (const pattern of credentialPatterns) if (pattern.test(value)) return true;
  if (urlPasswordPattern.test(value)) return true;
  for (const match of value.matchAll(cardPattern)) {
    const digits = match[0].replace(/[ -]/g, "");
    if (digits.length >= 13 && digits.length <= 19 && luhn(digits)) return true;
  }
  return false;
}

export function isSensitiveKey(key: string, extra: readonly string[]): boolean {
  const lower = key.toLowerCase();
  return (
    sensitiveKeys.some((k) => lower.includes(k)) || extra.some((k) => k && lower.includes(k.toLowerCase()))
  );
}

/** One scrub run: the extra key names, and whether anything was filtered (the bytes are then rewritten). */
interface Run {
  extra: readonly string[];
  changed: boolean;
}

function filtered(run: Run): string {
  run.changed = true;
  return FILTERED;
}

/** Filters a value in place: sensitive keys at any depth, credential-shaped strings. Returns the new value. */
function scrubValue(value: unknown, run: Run, depth = 0): unknown {
  if (typeof value === "string")
    return looksLikeCredential(value) ? filtered(run) : maskQueryParams(value, run);
  if (depth > MAX_EVENT_DEPTH || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = scrubValue(value[i], run, depth + 1);
    return value;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const item = record[key];
    record[key] =
      isSensitiveKey(key, run.extra) && item !== null && item !== "" && item !== FILTERED
        ? filtered(run)
        : scrubValue(item, run, depth + 1);
  }
  return value;
}

/** Header lists come as objects or as [name, value] pairs; the value follows the name's verdict. */
function scrubPairs(value: unknown, run: Run): unknown {
  if (!Array.isArray(value)) return scrubValue(value, run);
  return value.map((pair) =>
    Array.isArray(pair) && typeof pair[0] === "string"
      ? [pair[0], isSensitiveKey(pair[0], run.extra) ? filtered(run) : scrubValue(pair[1], run)]
      : scrubValue(pair, run),
  );
}

/** A query string with sensitive parameters filtered. */
function scrubQueryString(query: unknown, run: Run): unknown {
  if (typeof query !== "string") return scrubPairs(query, run);
  return query
    .split("&")
    .map((part) => {
      const eq = part.indexOf("=");
      const name = decodeURIComponentSafe(eq === -1 ? part : part.slice(0, eq));
      if (eq !== -1 && isSensitiveKey(name, run.extra)) return `${part.slice(0, eq)}=${filtered(run)}`;
      return looksLikeCredential(decodeURIComponentSafe(part))
        ? `${part.slice(0, eq + 1)}${filtered(run)}`
        : part;
    })
    .join("&");
}

/** Sensitive query parameters of URLs anywhere in a string: `…?api_key=[Filtered]&page=2`. */
function maskQueryParams(text: string, run: Run): string {
  if (!text.includes("=")) return text;
  return text.replace(queryParamPattern, (match, separator: string, name: string, value: string) => {
    if (value === "" || value === FILTERED || !isSensitiveKey(decodeURIComponentSafe(name), run.extra))
      return match;
    return `${separator}${name}=${filtered(run)}`;
  });
}

/**
 * Free text (messages, exception values, URLs): only the credential itself is replaced. These
 * strings make the issue title and, without a stack trace, its grouping; filtering them whole
 * would turn every such issue into "Error: [Filtered]" and merge unrelated ones.
 */
function maskText(text: unknown, run: Run): unknown {
  if (typeof text !== "string") return scrubValue(text, run);
  let out = maskQueryParams(text, run).replace(urlPasswordText, (_match, kept: string) => {
    return `${kept}${filtered(run)}@`;
  });
  for (const pattern of textPatterns) out = out.replace(pattern, () => filtered(run));
  return out.replace(cardPattern, (match) => {
    const digits = match.replace(/[ -]/g, "");
    return digits.length >= 13 && digits.length <= 19 && luhn(digits) ? filtered(run) : match;
  });
}

/** `message` as an object and `logentry`: `{message, formatted, params}`. */
function scrubLogEntry(entry: unknown, run: Run): unknown {
  if (typeof entry === "string") return maskText(entry, run);
  if (entry === null || typeof entry !== "object" || Array.isArray(entry)) return scrubValue(entry, run);
  const record = entry as Record<string, unknown>;
  for (const key of ["message", "formatted"]) if (key in record) record[key] = maskText(record[key], run);
  if ("params" in record) record.params = scrubValue(record.params, run);
  return entry;
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text.replaceAll("+", " "));
  } catch {
    return text;
  }
}

/**
 * Scrubs an SDK event payload in place: extra, contexts, tags, user data, request (headers,
 * cookies, query string, data, env, URL), breadcrumbs, stack frame variables, and the free text
 * of message, logentry and exception values; and replaces the SDK's
 * `{{auto}}` user IP with the client address (or drops IPs when the project says so). Returns
 * whether anything changed, so unchanged events keep their bytes.
 */
export function scrubEvent(
  event: Record<string, unknown>,
  settings: ScrubSettings,
  clientIp: string | null,
): boolean {
  const run: Run = { extra: settings.fields, changed: scrubUserIp(event, settings, clientIp) };
  if (!settings.enabled) return run.changed;
  for (const key of ["extra", "contexts", "tags", "user"] as const) {
    if (key in event) event[key] = scrubValue(event[key], run);
  }
  const request = event.request as Record<string, unknown> | undefined;
  if (request && typeof request === "object") {
    if ("headers" in request) request.headers = scrubPairs(request.headers, run);
    if (request.cookies) request.cookies = filtered(run);
    if ("query_string" in request) request.query_string = scrubQueryString(request.query_string, run);
    if ("data" in request) request.data = scrubValue(request.data, run);
    if ("env" in request) request.env = scrubValue(request.env, run);
    if (typeof request.url === "string") request.url = maskText(request.url, run);
  }
  const crumbs = valuesOf(event.breadcrumbs);
  for (const crumb of crumbs) {
    if (isRecord(crumb) && typeof crumb.message === "string") crumb.message = maskText(crumb.message, run);
  }
  scrubValue(crumbs, run);
  for (const exception of valuesOf(event.exception)) {
    if (isRecord(exception) && "value" in exception) exception.value = maskText(exception.value, run);
  }
  for (const frame of stackFrames(event)) {
    if (frame.vars) frame.vars = scrubValue(frame.vars, run);
  }
  if ("message" in event) event.message = scrubLogEntry(event.message, run);
  if ("logentry" in event) event.logentry = scrubLogEntry(event.logentry, run);
  return run.changed;
}

function scrubUserIp(
  event: Record<string, unknown>,
  settings: ScrubSettings,
  clientIp: string | null,
): boolean {
  const user = event.user as Record<string, unknown> | undefined;
  if (!user || typeof user !== "object" || !("ip_address" in user)) return false;
  if (settings.dropIp) delete user.ip_address;
  else if (user.ip_address === "{{auto}}") {
    if (clientIp) user.ip_address = clientIp;
    else delete user.ip_address;
  } else return false;
  return true;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** SDKs send exception, threads and breadcrumbs as `{values: [...]}` or as a bare list. */
function valuesOf(container: unknown): unknown[] {
  const values = Array.isArray(container) ? container : (container as { values?: unknown } | null)?.values;
  return Array.isArray(values) ? values : [];
}

function* stackFrames(event: Record<string, unknown>): Generator<{ vars?: unknown }> {
  const traces: unknown[] = [
    ...valuesOf(event.exception).map((v) => (v as { stacktrace?: unknown })?.stacktrace),
    ...valuesOf(event.threads).map((t) => (t as { stacktrace?: unknown })?.stacktrace),
    event.stacktrace,
  ];
  for (const trace of traces) {
    const frames = (trace as { frames?: unknown } | undefined)?.frames;
    if (Array.isArray(frames))
      for (const frame of frames) if (frame && typeof frame === "object") yield frame;
  }
}
