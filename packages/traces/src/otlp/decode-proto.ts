import { hexOf, ProtobufError, ProtoReader } from "@pier/otlp";
import { MalformedTraceError } from "../ingest/errors.ts";
import {
  type AttributeValue,
  attributeMap,
  type SpanEvent,
  type SpanOwner,
  type SpanRecord,
} from "../span.ts";
import { type RawSpan, spanFromOtlp } from "./span-from-otlp.ts";

/*
 * Field numbers from opentelemetry-proto (opentelemetry/proto/trace/v1/trace.proto,
 * common/v1/common.proto, collector/trace/v1/trace_service.proto).
 */

/** An `ExportTraceServiceRequest` in protobuf (`application/x-protobuf`) as span records. */
export function decodeTraceRequestProto(body: Uint8Array, owner: SpanOwner): SpanRecord[] {
  const spans: SpanRecord[] = [];
  try {
    const request = new ProtoReader(body);
    while (!request.done()) {
      const { field, wire } = request.tag();
      if (field === 1 && wire === 2) readResourceSpans(request.message(), owner, spans);
      else request.skip(wire);
    }
  } catch (error) {
    if (error instanceof ProtobufError) throw new MalformedTraceError(error.message);
    throw error;
  }
  return spans;
}

function readResourceSpans(reader: ProtoReader, owner: SpanOwner, out: SpanRecord[]): void {
  let resource: Record<string, AttributeValue> = attributeMap();
  const scopes: ProtoReader[] = [];
  while (!reader.done()) {
    const { field, wire } = reader.tag();
    if (field === 1 && wire === 2) resource = readAttributesOf(reader.message(), 1);
    else if (field === 2 && wire === 2) scopes.push(reader.message());
    else reader.skip(wire);
  }
  // The resource may follow its scopes on the wire, so spans are read once it is known.
  for (const scope of scopes) {
    while (!scope.done()) {
      const { field, wire } = scope.tag();
      if (field === 2 && wire === 2) out.push(spanFromOtlp(readSpan(scope.message()), resource, owner));
      else scope.skip(wire);
    }
  }
}

function readSpan(reader: ProtoReader): RawSpan {
  const span: RawSpan = {
    traceId: "",
    spanId: "",
    parentSpanId: "",
    name: "",
    kind: 0,
    startNs: 0n,
    endNs: 0n,
    attributes: attributeMap(),
    events: [],
    statusCode: 0,
    statusMessage: "",
    flags: 0,
  };
  while (!reader.done()) {
    const { field, wire } = reader.tag();
    if (field === 1 && wire === 2) span.traceId = hexOf(reader.bytesField());
    else if (field === 2 && wire === 2) span.spanId = hexOf(reader.bytesField());
    else if (field === 4 && wire === 2) span.parentSpanId = hexOf(reader.bytesField());
    else if (field === 5 && wire === 2) span.name = reader.string();
    else if (field === 6 && wire === 0) span.kind = reader.varint();
    else if (field === 7 && wire === 1) span.startNs = reader.fixed64();
    else if (field === 8 && wire === 1) span.endNs = reader.fixed64();
    else if (field === 9 && wire === 2) readKeyValue(reader.message(), span.attributes);
    else if (field === 11 && wire === 2) span.events.push(readEvent(reader.message()));
    else if (field === 15 && wire === 2) readStatus(reader.message(), span);
    else if (field === 16 && wire === 5) span.flags = reader.fixed32();
    else reader.skip(wire);
  }
  return span;
}

function readEvent(reader: ProtoReader): SpanEvent {
  const event: SpanEvent = { name: "", timeUs: 0, attributes: attributeMap() };
  while (!reader.done()) {
    const { field, wire } = reader.tag();
    if (field === 1 && wire === 1) event.timeUs = Number(reader.fixed64() / 1000n);
    else if (field === 2 && wire === 2) event.name = reader.string();
    else if (field === 3 && wire === 2) readKeyValue(reader.message(), event.attributes);
    else reader.skip(wire);
  }
  return event;
}

function readStatus(reader: ProtoReader, span: RawSpan): void {
  while (!reader.done()) {
    const { field, wire } = reader.tag();
    if (field === 2 && wire === 2) span.statusMessage = reader.string();
    else if (field === 3 && wire === 0) span.statusCode = reader.varint();
    else reader.skip(wire);
  }
}

/** The repeated KeyValue field `field` of a message (Resource.attributes is field 1). */
function readAttributesOf(reader: ProtoReader, field: number): Record<string, AttributeValue> {
  const attributes: Record<string, AttributeValue> = attributeMap();
  while (!reader.done()) {
    const tag = reader.tag();
    if (tag.field === field && tag.wire === 2) readKeyValue(reader.message(), attributes);
    else reader.skip(tag.wire);
  }
  return attributes;
}

function readKeyValue(reader: ProtoReader, into: Record<string, AttributeValue>): void {
  let key = "";
  let value: AttributeValue = null;
  while (!reader.done()) {
    const { field, wire } = reader.tag();
    if (field === 1 && wire === 2) key = reader.string();
    else if (field === 2 && wire === 2) value = readAnyValue(reader.message());
    else reader.skip(wire);
  }
  if (key !== "") into[key] = value;
}

function readAnyValue(reader: ProtoReader): AttributeValue {
  let value: AttributeValue = null;
  while (!reader.done()) {
    const { field, wire } = reader.tag();
    if (field === 1 && wire === 2) value = reader.string();
    else if (field === 2 && wire === 0) value = reader.varint() !== 0;
    else if (field === 3 && wire === 0) value = safeInteger(reader.int64());
    else if (field === 4 && wire === 1) value = reader.double();
    else if (field === 5 && wire === 2) value = readArray(reader.message());
    else if (field === 6 && wire === 2) value = readAttributesOf(reader.message(), 1);
    else if (field === 7 && wire === 2) value = Buffer.from(reader.bytesField()).toString("base64");
    else reader.skip(wire);
  }
  return value;
}

function readArray(reader: ProtoReader): AttributeValue[] {
  const values: AttributeValue[] = [];
  while (!reader.done()) {
    const { field, wire } = reader.tag();
    if (field === 1 && wire === 2) values.push(readAnyValue(reader.message()));
    else reader.skip(wire);
  }
  return values;
}

/** int64 attributes beyond 2^53 keep their digits as a string rather than losing precision. */
function safeInteger(value: bigint): number | string {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
    ? Number(value)
    : value.toString();
}
