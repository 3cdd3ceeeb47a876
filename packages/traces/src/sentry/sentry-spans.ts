import { z } from "zod";
import {
  type AttributeValue,
  attributeMap,
  normalizeId,
  routeOf,
  type SpanKind,
  type SpanOwner,
  type SpanRecord,
  type SpanStatus,
} from "../span.ts";

/*
 * Sentry's performance data as span records: a `transaction` event (its root span in
 * contexts.trace, its children in `spans`) or a `span` item (SDK 11's span streaming, content type
 * application/vnd.sentry.items.span.v2+json: `{version: 2, items: [span]}`). Timestamps are seconds.
 */

const seconds = z.number().nonnegative();
const data = z.record(z.string(), z.unknown()).optional().catch(undefined);

const childSpan = z.looseObject({
  span_id: z.string(),
  parent_span_id: z.string().nullish(),
  trace_id: z.string().optional(),
  op: z.string().nullish(),
  description: z.string().nullish(),
  start_timestamp: seconds,
  timestamp: seconds.optional(),
  status: z.string().nullish(),
  data,
});

const transactionEvent = z.looseObject({
  transaction: z.string().nullish(),
  start_timestamp: seconds,
  timestamp: seconds,
  release: z.string().nullish(),
  environment: z.string().nullish(),
  contexts: z.looseObject({
    trace: z.looseObject({
      trace_id: z.string(),
      span_id: z.string(),
      parent_span_id: z.string().nullish(),
      op: z.string().nullish(),
      status: z.string().nullish(),
      data,
    }),
  }),
  spans: z.array(z.unknown()).optional().catch(undefined),
});

const streamedSpan = z.looseObject({
  trace_id: z.string(),
  span_id: z.string(),
  parent_span_id: z.string().nullish(),
  name: z.string().default(""),
  start_timestamp: seconds,
  end_timestamp: seconds,
  status: z.string().nullish(),
  is_segment: z.boolean().optional(),
  attributes: z.record(z.string(), z.unknown()).optional().catch(undefined),
});
const spanContainer = z.looseObject({ items: z.array(z.unknown()) });

const us = (value: number) => Math.round(value * 1_000_000);

/** Sentry's `op` names the kind the way OTel's SpanKind does, for the ops that have one. */
function kindOf(op: string | null | undefined): SpanKind {
  if (!op) return "internal";
  if (op === "http.server" || op.endsWith(".server")) return "server";
  if (op === "http.client" || op.startsWith("db") || op.endsWith(".client")) return "client";
  if (op.startsWith("queue.publish")) return "producer";
  if (op.startsWith("queue.process")) return "consumer";
  return "internal";
}

/** Sentry span statuses: `ok`, `unknown`/absent, or one of the failure names (internal_error, …). */
function statusOf(status: string | null | undefined): SpanStatus {
  if (!status || status === "unknown" || status === "unset") return "unset";
  return status === "ok" ? "ok" : "error";
}

function attributesOf(input: Record<string, unknown> | undefined): Record<string, AttributeValue> {
  const out = attributeMap();
  for (const [key, value] of Object.entries(input ?? {})) {
    // Streamed spans type their attributes: {value, type}.
    const raw =
      value !== null && typeof value === "object" && !Array.isArray(value) && "value" in value
        ? (value as { value: unknown }).value
        : value;
    out[key] = plain(raw);
  }
  return out;
}

function plain(value: unknown): AttributeValue {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === "object") return attributesOf(value as Record<string, unknown>);
  return String(value);
}

/** A transaction event's spans; [] when it is not one (a malformed item is dropped, not answered 400). */
export function spansFromTransaction(payload: unknown, owner: SpanOwner): SpanRecord[] {
  const parsed = transactionEvent.safeParse(payload);
  if (!parsed.success) return [];
  const event = parsed.data;
  const trace = event.contexts.trace;
  const traceId = normalizeId(trace.trace_id, 32);
  const rootId = normalizeId(trace.span_id, 16);
  if (traceId === null || rootId === null) return [];
  const name = event.transaction ?? trace.op ?? "transaction";
  const rootAttributes = attributesOf(trace.data);
  if (trace.op) rootAttributes["sentry.op"] = trace.op;
  if (event.release) rootAttributes["service.version"] ??= event.release;
  if (event.environment) rootAttributes["deployment.environment"] ??= event.environment;
  const spans: SpanRecord[] = [
    {
      traceId,
      spanId: rootId,
      parentSpanId: normalizeId(trace.parent_span_id, 16),
      name,
      kind: kindOf(trace.op),
      service: owner.defaultService,
      // The transaction name is already the route Sentry's integrations parameterize (GET /users/:id).
      route: name,
      status: statusOf(trace.status),
      statusMessage: null,
      startUs: us(event.start_timestamp),
      durationUs: Math.max(0, us(event.timestamp) - us(event.start_timestamp)),
      entry: true,
      attributes: rootAttributes,
      events: [],
      source: "sentry",
    },
  ];
  for (const candidate of event.spans ?? []) {
    const child = childSpan.safeParse(candidate);
    if (!child.success) continue;
    const spanId = normalizeId(child.data.span_id, 16);
    if (spanId === null) continue;
    const attributes = attributesOf(child.data.data);
    if (child.data.op) attributes["sentry.op"] = child.data.op;
    const childName = child.data.description ?? child.data.op ?? "span";
    const start = us(child.data.start_timestamp);
    spans.push({
      traceId,
      spanId,
      parentSpanId: normalizeId(child.data.parent_span_id, 16) ?? rootId,
      name: childName,
      kind: kindOf(child.data.op),
      service: owner.defaultService,
      route: routeOf(childName, attributes),
      status: statusOf(child.data.status),
      statusMessage: null,
      startUs: start,
      durationUs: Math.max(0, us(child.data.timestamp ?? child.data.start_timestamp) - start),
      entry: false,
      attributes,
      events: [],
      source: "sentry",
    });
  }
  return spans;
}

/** A `span` item's spans (span streaming, v2 container); spans that do not parse are skipped. */
export function spansFromSpanItem(payload: unknown, owner: SpanOwner): SpanRecord[] {
  const container = spanContainer.safeParse(payload);
  if (!container.success) return [];
  const spans: SpanRecord[] = [];
  for (const candidate of container.data.items) {
    const parsed = streamedSpan.safeParse(candidate);
    if (!parsed.success) continue;
    const span = parsed.data;
    const traceId = normalizeId(span.trace_id, 32);
    const spanId = normalizeId(span.span_id, 16);
    if (traceId === null || spanId === null) continue;
    const attributes = attributesOf(span.attributes);
    const op = typeof attributes["sentry.op"] === "string" ? attributes["sentry.op"] : null;
    const parentSpanId = normalizeId(span.parent_span_id, 16);
    const start = us(span.start_timestamp);
    const segment = span.is_segment ?? parentSpanId === null;
    spans.push({
      traceId,
      spanId,
      parentSpanId,
      name: span.name,
      kind: kindOf(op),
      service: owner.defaultService,
      route: segment ? span.name : routeOf(span.name, attributes),
      status: statusOf(span.status),
      statusMessage: null,
      startUs: start,
      durationUs: Math.max(0, us(span.end_timestamp) - start),
      entry: segment,
      attributes,
      events: [],
      source: "sentry",
    });
  }
  return spans;
}
