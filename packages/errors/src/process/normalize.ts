import type { RawEvent, RawException, RawFrame } from "./event-schema.ts";
import type { Breadcrumb, Frame, Level, ProcessedEvent, ProcessedException } from "./processed-event.ts";

const MAX_FRAMES = 250;
const MAX_BREADCRUMBS = 100;
const MAX_TAGS = 50;
const MAX_EXCEPTIONS = 10;
const MAX_TEXT = 8192;
const MAX_TAG_TEXT = 200;
/** Free-form objects (contexts, extra, request) beyond this size are replaced by a note. */
const MAX_BLOB_JSON = 64 * 1024;

const levels: Record<string, Level> = {
  fatal: "fatal",
  critical: "fatal",
  error: "error",
  warning: "warning",
  warn: "warning",
  info: "info",
  log: "info",
  debug: "debug",
};

const clip = (value: string | undefined | null, max = MAX_TEXT): string | null =>
  value === undefined || value === null ? null : value.length > max ? `${value.slice(0, max - 1)}…` : value;

/** Sentry timestamps are seconds (float) or RFC 3339 strings. */
export function toMillis(value: number | string | undefined, fallback: number): number {
  if (typeof value === "number" && Number.isFinite(value))
    return value < 1e11 ? Math.round(value * 1000) : value;
  if (typeof value === "string") {
    const parsed = Date.parse(value);
    if (!Number.isNaN(parsed)) return parsed;
  }
  return fallback;
}

/** How far an SDK's clock may run ahead of pier's before its times are not believed (Sentry: 1 min). */
const MAX_CLOCK_AHEAD_MS = 5 * 60_000;
/** How old an event's own time may be: Sentry's relay takes the time received past 30 days too. */
const MAX_EVENT_AGE_MS = 30 * 86_400_000;

/**
 * An event's or breadcrumb's time as the SDK sent it, unless it is more than a few minutes in the
 * future or older than 30 days: then the time it was received (1e20 seconds became year 275760,
 * past what Date can print). The stored payload keeps the sent value.
 */
export function eventTime(value: number | string | undefined, receivedAt: number): number {
  const sent = toMillis(value, receivedAt);
  return sent > receivedAt + MAX_CLOCK_AHEAD_MS || sent < receivedAt - MAX_EVENT_AGE_MS ? receivedAt : sent;
}

/**
 * Library code is not in-app. SDKs usually decide; when they do not, frames from dependencies and the
 * runtime are marked out so grouping and culprits follow the user's own code.
 */
export function inferInApp(frame: RawFrame): boolean {
  if (frame.in_app !== undefined) return frame.in_app;
  const file = frame.abs_path ?? frame.filename ?? "";
  if (file === "" || file === "<anonymous>" || file === "native") return false;
  return !/(^|[/\\])node_modules[/\\]|^node:|^internal[/\\]|^bun:|\/usr\/lib\//.test(file);
}

function normalizeFrame(frame: RawFrame): Frame {
  return {
    filename: clip(frame.filename ?? frame.abs_path, 1024),
    absPath: clip(frame.abs_path, 1024),
    function: clip(frame.function ?? frame.raw_function, 1024),
    module: clip(frame.module, 1024),
    lineno: frame.lineno ?? null,
    colno: frame.colno ?? null,
    inApp: inferInApp(frame),
    contextLine: clip(frame.context_line, 1024),
    preContext: (frame.pre_context ?? []).slice(-10).map((l) => clip(l, 1024)!),
    postContext: (frame.post_context ?? []).slice(0, 10).map((l) => clip(l, 1024)!),
  };
}

function normalizeException(raw: RawException): ProcessedException {
  const frames = raw.stacktrace?.frames ?? [];
  // Keep the end of very deep stacks: the frames nearest the throw matter most.
  const kept = frames.length > MAX_FRAMES ? frames.slice(frames.length - MAX_FRAMES) : frames;
  return {
    type: clip(raw.type, 256),
    value: clip(raw.value),
    module: clip(raw.module, 256),
    mechanism: raw.mechanism
      ? { type: raw.mechanism.type ?? null, handled: raw.mechanism.handled ?? null }
      : null,
    frames: kept.map(normalizeFrame),
  };
}

function messageText(value: RawEvent["message"]): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "string") return value;
  return value.formatted ?? value.message;
}

function boundedObject(value: unknown): Record<string, unknown> | null {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
  const json = JSON.stringify(value);
  if (json.length > MAX_BLOB_JSON)
    return { _truncated: `dropped ${json.length} bytes (over ${MAX_BLOB_JSON})` };
  return value as Record<string, unknown>;
}

function normalizeTags(raw: RawEvent["tags"]): Record<string, string> {
  // No prototype: a tag named `__proto__` (a key like any other to the SDK) is kept, not swallowed
  // by Object.prototype's setter.
  const out: Record<string, string> = Object.create(null);
  if (!raw) return out;
  const entries = Array.isArray(raw) ? raw : Object.entries(raw);
  for (const [key, value] of entries) {
    if (value === null || key === "") continue;
    if (Object.keys(out).length >= MAX_TAGS) break;
    out[clip(key, MAX_TAG_TEXT)!] = clip(String(value), MAX_TAG_TEXT)!;
  }
  return out;
}

function normalizeBreadcrumbs(raw: RawEvent["breadcrumbs"], receivedAt: number): Breadcrumb[] {
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : (raw.values ?? []);
  return list.slice(-MAX_BREADCRUMBS).map((b) => ({
    timestamp: b.timestamp === undefined ? null : eventTime(b.timestamp, receivedAt),
    type: clip(b.type, 64),
    category: clip(b.category, 256),
    level: clip(b.level, 32),
    message: clip(b.message),
    data: boundedObject(b.data),
  }));
}

/**
 * Turns what an SDK sent into pier's event. `details: false` skips what neither grouping nor the
 * issue row needs (breadcrumbs, request, contexts, extra): the ingest path's cheaper variant.
 */
export function normalizeEvent(
  raw: RawEvent,
  eventId: string,
  receivedAt: number,
  options: { details?: boolean } = {},
): ProcessedEvent {
  const details = options.details ?? true;
  const rawExceptions =
    raw.exception === undefined
      ? []
      : Array.isArray(raw.exception)
        ? raw.exception
        : (raw.exception.values ?? []);
  const exceptions = rawExceptions.slice(-MAX_EXCEPTIONS).map(normalizeException);
  // A bare top-level stacktrace (e.g. captureMessage with attachStacktrace) is kept as a typeless exception.
  if (exceptions.length === 0 && raw.stacktrace?.frames?.length) {
    exceptions.push(normalizeException({ stacktrace: raw.stacktrace }));
  }
  const user = raw.user
    ? {
        id: raw.user.id === undefined ? null : clip(String(raw.user.id), 256),
        email: clip(raw.user.email, 256),
        username: clip(raw.user.username, 256),
        ipAddress: clip(raw.user.ip_address, 64),
      }
    : null;
  return {
    eventId,
    timestamp: eventTime(raw.timestamp, receivedAt),
    receivedAt,
    level: levels[(raw.level ?? "error").toLowerCase()] ?? "error",
    platform: clip(raw.platform, 64) ?? "other",
    logger: clip(raw.logger, 256),
    transaction: clip(raw.transaction, 1024),
    serverName: clip(raw.server_name, 256),
    release: raw.release === undefined ? null : clip(String(raw.release), MAX_TAG_TEXT),
    dist: clip(raw.dist, 64),
    environment: clip(raw.environment, 64),
    message: clip(messageText(raw.logentry) ?? messageText(raw.message)),
    exceptions,
    tags: normalizeTags(raw.tags),
    user,
    request: details ? boundedObject(raw.request) : null,
    contexts: details ? (boundedObject(raw.contexts) ?? {}) : {},
    breadcrumbs: details ? normalizeBreadcrumbs(raw.breadcrumbs, receivedAt) : [],
    extra: details ? (boundedObject(raw.extra) ?? {}) : {},
    fingerprint: (raw.fingerprint ?? []).slice(0, 20).map((part) => clip(String(part), 512)!),
    sdk: raw.sdk ? { name: raw.sdk.name ?? null, version: raw.sdk.version ?? null } : null,
  };
}

/** Who the event happened to, for "users affected": the first stable identifier the SDK sent. */
export function userKey(event: ProcessedEvent): string | null {
  const u = event.user;
  if (!u) return null;
  if (u.id) return `id:${u.id}`;
  if (u.email) return `email:${u.email}`;
  if (u.username) return `username:${u.username}`;
  if (u.ipAddress) return `ip:${u.ipAddress}`;
  return null;
}
