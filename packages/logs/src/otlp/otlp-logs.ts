import { jsonNestedDeeperThan, MAX_MESSAGE_DEPTH, ProtobufError, ProtoReader } from "@pier/otlp";
import { z } from "zod";

/** An OTLP attribute value, as JSON-friendly data. */
export type AnyValue = string | number | boolean | null | AnyValue[] | { [key: string]: AnyValue };

/** One log record of an OTLP export, flattened with its resource and scope. */
export interface OtlpLog {
  /** Epoch ms: time_unix_nano, else observed_time_unix_nano, else 0 (the caller picks now). */
  timeMs: number;
  severityNumber: number;
  severityText: string;
  body: AnyValue;
  attributes: Record<string, AnyValue>;
  resource: Record<string, AnyValue>;
  scope: string;
  traceId: string;
  spanId: string;
}

export class OtlpDecodeError extends Error {}

// opentelemetry-proto logs/v1/logs.proto and common/v1/common.proto, field numbers.
export function decodeLogsProtobuf(bytes: Uint8Array): OtlpLog[] {
  const out: OtlpLog[] = [];
  try {
    const request = new ProtoReader(bytes);
    while (!request.done()) {
      const { field, wire } = request.tag();
      if (field === 1 && wire === 2) readResourceLogs(request.message(), out);
      else request.skip(wire);
    }
  } catch (error) {
    if (error instanceof ProtobufError)
      throw new OtlpDecodeError(`not an OTLP logs request: ${error.message}`);
    throw error;
  }
  return out;
}

function readResourceLogs(r: ProtoReader, out: OtlpLog[]): void {
  let resource: Record<string, AnyValue> = {};
  const scopes: ProtoReader[] = [];
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === 2) resource = readAttributesOf(r.message(), 1);
    else if (field === 2 && wire === 2) scopes.push(r.message());
    else r.skip(wire);
  }
  for (const scope of scopes) readScopeLogs(scope, resource, out);
}

function readScopeLogs(r: ProtoReader, resource: Record<string, AnyValue>, out: OtlpLog[]): void {
  let scope = "";
  const records: ProtoReader[] = [];
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === 2) {
      const s = r.message();
      while (!s.done()) {
        const t = s.tag();
        if (t.field === 1 && t.wire === 2) scope = s.string();
        else s.skip(t.wire);
      }
    } else if (field === 2 && wire === 2) records.push(r.message());
    else r.skip(wire);
  }
  for (const record of records) out.push(readLogRecord(record, resource, scope));
}

function readLogRecord(r: ProtoReader, resource: Record<string, AnyValue>, scope: string): OtlpLog {
  const log: OtlpLog = {
    timeMs: 0,
    severityNumber: 0,
    severityText: "",
    body: null,
    attributes: {},
    resource,
    scope,
    traceId: "",
    spanId: "",
  };
  let observed = 0;
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === 1) log.timeMs = Number(r.fixed64() / 1_000_000n);
    else if (field === 11 && wire === 1) observed = Number(r.fixed64() / 1_000_000n);
    else if (field === 2 && wire === 0) log.severityNumber = r.varint();
    else if (field === 3 && wire === 2) log.severityText = r.string();
    else if (field === 5 && wire === 2) log.body = readAnyValue(r.message());
    else if (field === 6 && wire === 2) {
      const [key, value] = readKeyValue(r.message());
      log.attributes[key] = value;
    } else if (field === 9 && wire === 2) log.traceId = Buffer.from(r.bytesField()).toString("hex");
    else if (field === 10 && wire === 2) log.spanId = Buffer.from(r.bytesField()).toString("hex");
    else r.skip(wire);
  }
  if (log.timeMs === 0) log.timeMs = observed;
  return log;
}

/** The repeated KeyValue field `field` of a message (Resource.attributes is 1). */
function readAttributesOf(r: ProtoReader, field: number): Record<string, AnyValue> {
  const out: Record<string, AnyValue> = {};
  while (!r.done()) {
    const t = r.tag();
    if (t.field === field && t.wire === 2) {
      const [key, value] = readKeyValue(r.message());
      out[key] = value;
    } else r.skip(t.wire);
  }
  return out;
}

function readKeyValue(r: ProtoReader): [string, AnyValue] {
  let key = "";
  let value: AnyValue = null;
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === 2) key = r.string();
    else if (field === 2 && wire === 2) value = readAnyValue(r.message());
    else r.skip(wire);
  }
  return [key, value];
}

function readAnyValue(r: ProtoReader): AnyValue {
  let value: AnyValue = null;
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === 2) value = r.string();
    else if (field === 2 && wire === 0) value = r.varint() !== 0;
    else if (field === 3 && wire === 0) value = Number(r.int64());
    else if (field === 4 && wire === 1) value = r.double();
    else if (field === 5 && wire === 2) {
      const list: AnyValue[] = [];
      const a = r.message();
      while (!a.done()) {
        const t = a.tag();
        if (t.field === 1 && t.wire === 2) list.push(readAnyValue(a.message()));
        else a.skip(t.wire);
      }
      value = list;
    } else if (field === 6 && wire === 2) value = readAttributesOf(r.message(), 1);
    else if (field === 7 && wire === 2) value = Buffer.from(r.bytesField()).toString("base64");
    else r.skip(wire);
  }
  return value;
}

// OTLP/JSON (the protobuf JSON mapping): lowerCamelCase names, 64-bit integers as strings or
// numbers, ids as hex, enums as numbers.
const int64 = z.union([z.string().regex(/^-?\d+$/), z.number()]);
type JsonAnyValue = {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number | string;
  arrayValue?: { values?: JsonAnyValue[] };
  kvlistValue?: { values?: { key: string; value?: JsonAnyValue }[] };
  bytesValue?: string;
};
const anyValueJson: z.ZodType<JsonAnyValue> = z.lazy(() =>
  z.object({
    stringValue: z.string().optional(),
    boolValue: z.boolean().optional(),
    intValue: int64.optional(),
    doubleValue: z.union([z.number(), z.string()]).optional(),
    arrayValue: z.object({ values: z.array(anyValueJson).optional() }).optional(),
    kvlistValue: z.object({ values: z.array(keyValueJson).optional() }).optional(),
    bytesValue: z.string().optional(),
  }),
);
const keyValueJson = z.object({ key: z.string(), value: anyValueJson.optional() });
const logRecordJson = z.object({
  timeUnixNano: int64.optional(),
  observedTimeUnixNano: int64.optional(),
  severityNumber: z.union([z.number().int(), z.string()]).optional(),
  severityText: z.string().optional(),
  body: anyValueJson.optional(),
  attributes: z.array(keyValueJson).optional(),
  traceId: z.string().optional(),
  spanId: z.string().optional(),
});
const exportLogsJson = z.object({
  resourceLogs: z
    .array(
      z.object({
        resource: z.object({ attributes: z.array(keyValueJson).optional() }).optional(),
        scopeLogs: z
          .array(
            z.object({
              scope: z.object({ name: z.string().optional() }).optional(),
              logRecords: z.array(logRecordJson).optional(),
            }),
          )
          .optional(),
      }),
    )
    .optional(),
});

export function decodeLogsJson(text: string): OtlpLog[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new OtlpDecodeError("the body is not JSON");
  }
  if (jsonNestedDeeperThan(raw, MAX_MESSAGE_DEPTH))
    throw new OtlpDecodeError(
      `not an OTLP logs request: values nested deeper than ${MAX_MESSAGE_DEPTH} levels`,
    );
  const parsed = exportLogsJson.safeParse(raw);
  if (!parsed.success)
    throw new OtlpDecodeError(`not an OTLP logs request: ${parsed.error.issues[0]?.message ?? "invalid"}`);
  const out: OtlpLog[] = [];
  for (const rl of parsed.data.resourceLogs ?? []) {
    const resource = jsonAttributes(rl.resource?.attributes);
    for (const sl of rl.scopeLogs ?? [])
      for (const lr of sl.logRecords ?? [])
        out.push({
          timeMs: nanosToMs(lr.timeUnixNano) || nanosToMs(lr.observedTimeUnixNano),
          severityNumber: typeof lr.severityNumber === "number" ? lr.severityNumber : 0,
          severityText: lr.severityText ?? "",
          body: lr.body ? jsonAnyValue(lr.body) : null,
          attributes: jsonAttributes(lr.attributes),
          resource,
          scope: sl.scope?.name ?? "",
          traceId: lr.traceId ?? "",
          spanId: lr.spanId ?? "",
        });
  }
  return out;
}

function nanosToMs(value: string | number | undefined): number {
  if (value === undefined) return 0;
  return typeof value === "number" ? Math.floor(value / 1e6) : Number(BigInt(value) / 1_000_000n);
}

function jsonAttributes(list: { key: string; value?: JsonAnyValue }[] | undefined): Record<string, AnyValue> {
  const out: Record<string, AnyValue> = {};
  for (const kv of list ?? []) out[kv.key] = kv.value ? jsonAnyValue(kv.value) : null;
  return out;
}

function jsonAnyValue(v: JsonAnyValue): AnyValue {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return Number(v.doubleValue);
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(jsonAnyValue);
  if (v.kvlistValue) return jsonAttributes(v.kvlistValue.values);
  if (v.bytesValue !== undefined) return v.bytesValue;
  return null;
}
