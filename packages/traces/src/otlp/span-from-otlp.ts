import { MalformedTraceError } from "../ingest/errors.ts";
import {
  type AttributeValue,
  normalizeId,
  routeOf,
  type SpanEvent,
  type SpanOwner,
  type SpanRecord,
  type SpanStatus,
  spanKinds,
} from "../span.ts";

/** An OTLP span as both encodings read it, before it becomes a record. */
export interface RawSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, AttributeValue>;
  events: SpanEvent[];
  statusCode: number;
  statusMessage: string;
  flags: number;
}

const statuses: SpanStatus[] = ["unset", "ok", "error"];
/** SpanFlags: bit 8 says whether bit 9 (the parent is in another process) is known. */
const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;

export function spanFromOtlp(
  raw: RawSpan,
  resource: Record<string, AttributeValue>,
  owner: SpanOwner,
): SpanRecord {
  const traceId = normalizeId(raw.traceId, 32);
  const spanId = normalizeId(raw.spanId, 16);
  if (traceId === null) throw new MalformedTraceError("a span has no valid trace id (16 bytes)");
  if (spanId === null) throw new MalformedTraceError("a span has no valid span id (8 bytes)");
  const parentSpanId = normalizeId(raw.parentSpanId, 16);
  const startUs = Number(raw.startNs / 1000n);
  const endUs = Number(raw.endNs / 1000n);
  const service = resource["service.name"];
  const remoteParent = (raw.flags & HAS_IS_REMOTE) !== 0 ? (raw.flags & IS_REMOTE) !== 0 : null;
  const kind = spanKinds[raw.kind] ?? "unspecified";
  return {
    traceId,
    spanId,
    parentSpanId,
    name: raw.name,
    kind,
    service: typeof service === "string" && service !== "" ? service : owner.defaultService,
    route: routeOf(raw.name, raw.attributes),
    status: statuses[raw.statusCode] ?? "unset",
    statusMessage: raw.statusMessage === "" ? null : raw.statusMessage,
    startUs,
    durationUs: Math.max(0, endUs - startUs),
    // Older exporters do not say whether a parent is remote: a server span is then taken as the
    // service's entry, which is what it is in all but in-process server-in-server setups.
    entry: parentSpanId === null || (remoteParent ?? (kind === "server" || kind === "consumer")),
    attributes: raw.attributes,
    events: raw.events,
    source: "otlp",
  };
}
