import { jsonNestedDeeperThan, MAX_MESSAGE_DEPTH } from "@pier/otlp";
import { z } from "zod";
import { MalformedTraceError } from "../ingest/errors.ts";
import { type AttributeValue, attributeMap, type SpanOwner, type SpanRecord } from "../span.ts";
import { spanFromOtlp } from "./span-from-otlp.ts";

/*
 * OTLP/JSON (opentelemetry-proto's JSON mapping): lowerCamelCase fields, ids as hex strings,
 * 64-bit integers as decimal strings or numbers, enums as integers. Unknown fields are ignored.
 */

const uint64 = z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]).transform(BigInt);
const int64 = z.union([z.string().regex(/^-?\d+$/), z.number().int()]);

type AnyValueJson = {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number | string;
  bytesValue?: string;
  arrayValue?: { values?: AnyValueJson[] };
  kvlistValue?: { values?: KeyValueJson[] };
};
type KeyValueJson = { key: string; value?: AnyValueJson };

const anyValue: z.ZodType<AnyValueJson> = z.lazy(() =>
  z.object({
    stringValue: z.string().optional(),
    boolValue: z.boolean().optional(),
    intValue: int64.optional(),
    // NaN and Infinity are strings in the JSON mapping.
    doubleValue: z.union([z.number(), z.string()]).optional(),
    bytesValue: z.string().optional(),
    arrayValue: z.object({ values: z.array(anyValue).optional() }).optional(),
    kvlistValue: z.object({ values: z.array(keyValue).optional() }).optional(),
  }),
);
const keyValue: z.ZodType<KeyValueJson> = z.lazy(() =>
  z.object({ key: z.string(), value: anyValue.optional() }),
);
const attributes = z.array(keyValue).optional();

const spanJson = z.object({
  traceId: z.string(),
  spanId: z.string(),
  parentSpanId: z.string().optional(),
  name: z.string().default(""),
  kind: z.number().int().optional(),
  startTimeUnixNano: uint64,
  endTimeUnixNano: uint64,
  attributes,
  events: z
    .array(z.object({ timeUnixNano: uint64.optional(), name: z.string().default(""), attributes }))
    .optional(),
  status: z.object({ code: z.number().int().optional(), message: z.string().optional() }).optional(),
  flags: z.number().int().optional(),
});

export const exportTraceRequestJson = z.object({
  resourceSpans: z
    .array(
      z.object({
        resource: z.object({ attributes }).optional(),
        scopeSpans: z.array(z.object({ spans: z.array(spanJson).optional() })).optional(),
      }),
    )
    .optional(),
});

/** An `ExportTraceServiceRequest` in OTLP/JSON as span records. */
export function decodeTraceRequestJson(body: Uint8Array, owner: SpanOwner): SpanRecord[] {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(body));
  } catch {
    throw new MalformedTraceError("the body is not valid JSON");
  }
  if (jsonNestedDeeperThan(json, MAX_MESSAGE_DEPTH))
    throw new MalformedTraceError(`values nested deeper than ${MAX_MESSAGE_DEPTH} levels`);
  const parsed = exportTraceRequestJson.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MalformedTraceError(`${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}`);
  }
  const spans: SpanRecord[] = [];
  for (const resourceSpans of parsed.data.resourceSpans ?? []) {
    const resource = attributesOf(resourceSpans.resource?.attributes);
    for (const scope of resourceSpans.scopeSpans ?? []) {
      for (const span of scope.spans ?? []) {
        spans.push(
          spanFromOtlp(
            {
              // The JSON mapping says hex, but base64 from generic protobuf-to-JSON encoders is common.
              traceId: idHex(span.traceId, 16),
              spanId: idHex(span.spanId, 8),
              parentSpanId: span.parentSpanId ? idHex(span.parentSpanId, 8) : "",
              name: span.name,
              kind: span.kind ?? 0,
              startNs: span.startTimeUnixNano,
              endNs: span.endTimeUnixNano,
              attributes: attributesOf(span.attributes),
              events: (span.events ?? []).map((event) => ({
                name: event.name,
                timeUs: Number((event.timeUnixNano ?? 0n) / 1000n),
                attributes: attributesOf(event.attributes),
              })),
              statusCode: span.status?.code ?? 0,
              statusMessage: span.status?.message ?? "",
              flags: span.flags ?? 0,
            },
            resource,
            owner,
          ),
        );
      }
    }
  }
  return spans;
}

function idHex(value: string, bytes: number): string {
  if (value.length === bytes * 2) return value;
  const decoded = Buffer.from(value, "base64");
  return decoded.length === bytes ? decoded.toString("hex") : value;
}

function attributesOf(list: KeyValueJson[] | undefined): Record<string, AttributeValue> {
  const out = attributeMap();
  for (const { key, value } of list ?? []) out[key] = attributeValueOf(value);
  return out;
}

function attributeValueOf(value: AnyValueJson | undefined): AttributeValue {
  if (value === undefined) return null;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) {
    const n = Number(value.intValue);
    return Number.isSafeInteger(n) ? n : String(value.intValue);
  }
  if (value.doubleValue !== undefined) return Number(value.doubleValue);
  if (value.bytesValue !== undefined) return value.bytesValue;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(attributeValueOf);
  if (value.kvlistValue !== undefined) return attributesOf(value.kvlistValue.values);
  return null;
}
