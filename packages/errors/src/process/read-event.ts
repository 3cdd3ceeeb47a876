import type { RawEvent, RawException, RawFrame } from "./event-schema.ts";

// The ingest hot path's reader of SDK payloads. It yields exactly what `rawEventSchema.parse` would
// (read-event.test.ts holds the two together on valid and malformed input), at a fraction of the
// cost: zod's per-field `.catch` wrappers made validation a third of all ingest CPU.
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);
const bool = (v: unknown): boolean | undefined => (typeof v === "boolean" ? v : undefined);
const strOrNum = (v: unknown): string | number | undefined =>
  typeof v === "string" || typeof v === "number" ? v : undefined;
const strList = (v: unknown): string[] | undefined =>
  Array.isArray(v) && v.every((x) => typeof x === "string") ? (v as string[]) : undefined;
const record = (v: unknown): Obj | undefined => (isObj(v) ? v : undefined);

/**
 * Overwrites the known keys in place, like zod's looseObject (unknown keys pass through). In place
 * because the object is a fresh JSON.parse result that nothing else holds, and copying every frame
 * and breadcrumb was the reader's largest cost.
 */
function loose<T>(source: Obj, fields: Obj): T {
  for (const key in fields) {
    const value = fields[key];
    if (source[key] !== value && (value !== undefined || key in source)) source[key] = value;
  }
  return source as T;
}

function readFrame(v: unknown): RawFrame | null {
  if (!isObj(v)) return null;
  return loose<RawFrame>(v, {
    filename: str(v.filename),
    abs_path: str(v.abs_path),
    function: str(v.function),
    raw_function: str(v.raw_function),
    module: str(v.module),
    package: str(v.package),
    lineno: num(v.lineno),
    colno: num(v.colno),
    in_app: bool(v.in_app),
    instruction_addr: str(v.instruction_addr),
    context_line: str(v.context_line),
    pre_context: strList(v.pre_context),
    post_context: strList(v.post_context),
  });
}

function readStacktrace(v: unknown): { frames?: RawFrame[] } | undefined {
  if (!isObj(v)) return undefined;
  let frames: RawFrame[] | undefined;
  if (Array.isArray(v.frames)) {
    const read = v.frames.map(readFrame);
    frames = read.every((f) => f !== null) ? (read as RawFrame[]) : undefined;
  }
  return loose(v, { frames });
}

function readException(v: unknown): RawException | null {
  if (!isObj(v)) return null;
  return loose<RawException>(v, {
    type: str(v.type),
    value: str(v.value),
    module: str(v.module),
    mechanism: isObj(v.mechanism)
      ? loose(v.mechanism, { type: str(v.mechanism.type), handled: bool(v.mechanism.handled) })
      : undefined,
    stacktrace: readStacktrace(v.stacktrace),
  });
}

function readExceptions(v: unknown): RawEvent["exception"] {
  const list = (items: unknown[]) => {
    const read = items.map(readException);
    return read.every((e) => e !== null) ? (read as RawException[]) : null;
  };
  if (Array.isArray(v)) return list(v) ?? undefined;
  if (!isObj(v)) return undefined;
  if (v.values === undefined) return loose(v, { values: undefined });
  if (!Array.isArray(v.values)) return undefined;
  const values = list(v.values);
  return values === null ? undefined : loose(v, { values });
}

function readMessage(v: unknown): RawEvent["message"] {
  if (typeof v === "string") return v;
  if (!isObj(v)) return undefined;
  return loose(v, { formatted: str(v.formatted), message: str(v.message) });
}

function readBreadcrumb(v: unknown): Obj | null {
  if (!isObj(v)) return null;
  return loose(v, {
    timestamp: strOrNum(v.timestamp),
    type: str(v.type),
    category: str(v.category),
    level: str(v.level),
    message: str(v.message),
    data: record(v.data),
  });
}

function readBreadcrumbs(v: unknown): RawEvent["breadcrumbs"] {
  const list = (items: unknown[]) => {
    const read = items.map(readBreadcrumb);
    return read.every((b) => b !== null) ? (read as NonNullable<RawEvent["breadcrumbs"]> & unknown[]) : null;
  };
  if (Array.isArray(v)) return list(v) ?? undefined;
  if (!isObj(v)) return undefined;
  if (v.values === undefined) return loose(v, { values: undefined });
  if (!Array.isArray(v.values)) return undefined;
  const values = list(v.values);
  return values === null ? undefined : (loose(v, { values }) as RawEvent["breadcrumbs"]);
}

const tagValue = (v: unknown) => typeof v === "string" || typeof v === "number" || typeof v === "boolean";

function readTags(v: unknown): RawEvent["tags"] {
  if (Array.isArray(v)) {
    const ok = v.every(
      (pair) =>
        Array.isArray(pair) &&
        pair.length === 2 &&
        typeof pair[0] === "string" &&
        (pair[1] === null || tagValue(pair[1])),
    );
    return ok ? (v as [string, string | number | boolean | null][]) : undefined;
  }
  if (!isObj(v)) return undefined;
  for (const key in v) if (v[key] !== null && !tagValue(v[key])) return undefined;
  return v as Record<string, string | number | boolean | null>;
}

/**
 * null when the payload is not an event object at all (the only reason to reject it). With
 * `details: false` (ingest) breadcrumbs, request, contexts and extra are left unread: they are read
 * again from the stored payload when someone opens the event.
 */
export function readRawEvent(v: unknown, options: { details?: boolean } = {}): RawEvent | null {
  if (!isObj(v)) return null;
  const details = options.details ?? true;
  const user = v.user;
  const request = v.request;
  const sdk = v.sdk;
  const fingerprint = v.fingerprint;
  return loose<RawEvent>(v, {
    event_id: str(v.event_id),
    timestamp: strOrNum(v.timestamp),
    level: str(v.level),
    platform: str(v.platform),
    logger: str(v.logger),
    transaction: str(v.transaction),
    server_name: str(v.server_name),
    release: strOrNum(v.release),
    dist: str(v.dist),
    environment: str(v.environment),
    message: readMessage(v.message),
    logentry: readMessage(v.logentry),
    exception: readExceptions(v.exception),
    stacktrace: readStacktrace(v.stacktrace),
    tags: readTags(v.tags),
    extra: details ? record(v.extra) : undefined,
    user: isObj(user)
      ? loose(user, {
          id: strOrNum(user.id),
          email: str(user.email),
          username: str(user.username),
          ip_address: str(user.ip_address),
        })
      : undefined,
    request:
      details && isObj(request)
        ? loose(request, { url: str(request.url), method: str(request.method) })
        : undefined,
    contexts: details ? record(v.contexts) : undefined,
    breadcrumbs: details ? readBreadcrumbs(v.breadcrumbs) : undefined,
    fingerprint:
      Array.isArray(fingerprint) && fingerprint.every((x) => typeof x === "string" || typeof x === "number")
        ? (fingerprint as (string | number)[])
        : undefined,
    sdk: isObj(sdk) ? loose(sdk, { name: str(sdk.name), version: str(sdk.version) }) : undefined,
  });
}
