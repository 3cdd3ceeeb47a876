/**
 * One span as pier stores it, whichever protocol brought it (OTLP or Sentry). Times are epoch
 * microseconds: OTLP's nanoseconds do not fit a double, and no UI shows finer than a microsecond.
 */
export interface SpanRecord {
  traceId: string;
  spanId: string;
  /** null for a trace's root span. */
  parentSpanId: string | null;
  name: string;
  kind: SpanKind;
  /** `service.name` of the resource (OTLP), the project's app or name otherwise. */
  service: string;
  /** `http.route` when the span has one, else its name: what percentiles are grouped by. */
  route: string;
  status: SpanStatus;
  statusMessage: string | null;
  startUs: number;
  durationUs: number;
  /**
   * The first span of a service in the trace (no parent, a remote parent, or a Sentry
   * transaction/segment): the request a service handled, listed and measured per route.
   */
  entry: boolean;
  attributes: Record<string, AttributeValue>;
  events: SpanEvent[];
  source: "otlp" | "sentry";
}

export type SpanKind = "unspecified" | "internal" | "server" | "client" | "producer" | "consumer";
export type SpanStatus = "unset" | "ok" | "error";
export type AttributeValue =
  | string
  | number
  | boolean
  | null
  | AttributeValue[]
  | { [key: string]: AttributeValue };

export interface SpanEvent {
  name: string;
  timeUs: number;
  attributes: Record<string, AttributeValue>;
}

/**
 * An empty attribute map with no prototype: a `__proto__` key (any key is allowed) is then an
 * ordinary attribute rather than the object's prototype.
 */
export function attributeMap(): Record<string, AttributeValue> {
  return Object.create(null);
}

/** Who sent the spans: the errors project whose key authenticated them. */
export interface SpanOwner {
  projectId: number;
  /** The app the project belongs to, if any (its spans show on the app's pages). */
  appId: string | null;
  /** Used as the service of spans that name none. */
  defaultService: string;
}

export const spanKinds: SpanKind[] = ["unspecified", "internal", "server", "client", "producer", "consumer"];

const HEX_ID = /^[0-9a-f]+$/;
/** A trace or span id as lower-case hex of the given length, or null (all-zero ids are absent ids). */
export function normalizeId(value: unknown, length: 16 | 32): string | null {
  if (typeof value !== "string") return null;
  const id = value.replaceAll("-", "").toLowerCase();
  if (id.length !== length || !HEX_ID.test(id) || /^0+$/.test(id)) return null;
  return id;
}

/**
 * The route a span is grouped under: `METHOD http.route` (OTel semantic conventions, old and new
 * attribute names) when it has one, so `/users/1` and `/users/2` count as one route; else its name.
 */
export function routeOf(name: string, attributes: Record<string, AttributeValue>): string {
  const route = attributes["http.route"];
  if (typeof route !== "string" || route === "") return name;
  const method = attributes["http.request.method"] ?? attributes["http.method"];
  return typeof method === "string" ? `${method} ${route}` : route;
}
