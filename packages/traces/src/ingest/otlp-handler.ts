import { gunzipSync } from "node:zlib";
import type { IngestGrant } from "@pier/platform";
import { decodeTraceRequestJson } from "../otlp/decode-json.ts";
import { decodeTraceRequestProto } from "../otlp/decode-proto.ts";
import type { SpanOwner, SpanRecord } from "../span.ts";
import { MalformedTraceError, TraceIngestError } from "./errors.ts";

export interface OtlpLimits {
  /** Bytes on the wire. */
  maxBodyBytes: number;
  /** Bytes after gzip: a small bomb must not become a large allocation. */
  maxDecodedBytes: number;
}

/** Above the Sentry endpoints' 1 MB: an exporter's batch of 512 spans with attributes can pass it. */
export const defaultOtlpLimits: OtlpLimits = {
  maxBodyBytes: 4 * 1024 * 1024,
  maxDecodedBytes: 16 * 1024 * 1024,
};

export interface OtlpIngestDeps {
  authorize(key: string): Promise<IngestGrant>;
  store(spans: SpanRecord[], owner: SpanOwner): Promise<void>;
  limits: OtlpLimits;
}

const cors = {
  "access-control-allow-origin": "*",
  "access-control-expose-headers": "retry-after",
};

/**
 * The key, from `X-Pier-Key: KEY` or `Authorization: Bearer KEY` (what OTEL_EXPORTER_OTLP_HEADERS
 * sets). Never from the URL: exporters log their endpoint.
 */
export function ingestKeyOf(headers: Headers): string | null {
  const direct = headers.get("x-pier-key")?.trim();
  if (direct) return direct.toLowerCase();
  const auth = headers.get("authorization");
  const match = auth ? /^bearer\s+(\S+)$/i.exec(auth.trim()) : null;
  return match ? match[1]!.toLowerCase() : null;
}

type Encoding = "protobuf" | "json";
function encodingOf(contentType: string | null): Encoding {
  const type = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (type === "application/x-protobuf" || type === "application/protobuf") return "protobuf";
  if (type === "application/json") return "json";
  throw new TraceIngestError(
    "unsupported_media_type",
    "OTLP/HTTP bodies are application/x-protobuf or application/json.",
    415,
  );
}

async function readBody(request: Request, limits: OtlpLimits): Promise<Uint8Array> {
  const tooLarge = (what: string, limit: number) =>
    new TraceIngestError(
      "payload_too_large",
      `The ${what} is larger than ${limit} bytes; send smaller batches.`,
      413,
    );
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > limits.maxBodyBytes)
    throw tooLarge("request body", limits.maxBodyBytes);
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (request.body) {
    for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
      total += chunk.byteLength;
      if (total > limits.maxBodyBytes) throw tooLarge("request body", limits.maxBodyBytes);
      chunks.push(chunk);
    }
  }
  const body = Buffer.concat(chunks);
  const encoding = (request.headers.get("content-encoding") ?? "").trim().toLowerCase();
  if (encoding === "" || encoding === "identity") return body;
  if (encoding !== "gzip") {
    throw new TraceIngestError(
      "unsupported_encoding",
      `Content-Encoding "${encoding}": OTLP uses gzip.`,
      415,
    );
  }
  try {
    return gunzipSync(body, { maxOutputLength: limits.maxDecodedBytes });
  } catch (error) {
    if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE")
      throw tooLarge("decompressed body", limits.maxDecodedBytes);
    throw new MalformedTraceError("the body is not valid gzip data");
  }
}

/** google.rpc.Status {code = 1, message = 2} in protobuf, the body OTLP asks for with an error. */
function statusProto(code: number, message: string): Uint8Array<ArrayBuffer> {
  const text = new TextEncoder().encode(message);
  const out: number[] = [0x08, code];
  out.push(0x12);
  let length = text.length;
  while (length >= 0x80) {
    out.push((length & 0x7f) | 0x80);
    length >>>= 7;
  }
  out.push(length);
  return new Uint8Array([...out, ...text]);
}

/** gRPC codes for the HTTP answers (OTLP's Status body carries one). */
const grpcCode: Record<number, number> = { 400: 3, 401: 16, 405: 12, 413: 3, 415: 3, 429: 8, 503: 14 };

function errorResponse(error: TraceIngestError, encoding: Encoding): Response {
  const headers: Record<string, string> = { ...cors };
  if (error.retryAfterSeconds !== undefined) headers["retry-after"] = String(error.retryAfterSeconds);
  if (encoding === "protobuf") {
    headers["content-type"] = "application/x-protobuf";
    return new Response(statusProto(grpcCode[error.status] ?? 2, error.message), {
      status: error.status,
      headers,
    });
  }
  return Response.json(
    {
      code: grpcCode[error.status] ?? 2,
      message: error.message,
      error: { code: error.code, message: error.message },
    },
    { status: error.status, headers },
  );
}

/**
 * OTLP/HTTP trace export (`POST /v1/traces`): authenticate by the project key, read (gzip),
 * decode protobuf or JSON, store, answer an empty ExportTraceServiceResponse. Exporters retry
 * 429 and 503 after Retry-After; other errors drop the batch.
 */
export function createOtlpTraceHandler(deps: OtlpIngestDeps) {
  return async function handleOtlpTraces(request: Request): Promise<Response> {
    if (request.method === "OPTIONS") {
      return new Response(null, {
        status: 204,
        headers: {
          ...cors,
          "access-control-allow-methods": "POST, OPTIONS",
          "access-control-allow-headers":
            request.headers.get("access-control-request-headers") ??
            "content-type, content-encoding, x-pier-key, authorization",
          "access-control-max-age": "86400",
        },
      });
    }
    let encoding: Encoding = "json";
    try {
      if (request.method !== "POST")
        throw new TraceIngestError("method_not_allowed", "OTLP endpoints accept POST only.", 405);
      encoding = encodingOf(request.headers.get("content-type"));
      const key = ingestKeyOf(request.headers);
      if (key === null) {
        throw new TraceIngestError(
          "invalid_key",
          "No ingest key: send the project's public key as X-Pier-Key (OTEL_EXPORTER_OTLP_HEADERS=x-pier-key=KEY).",
          401,
        );
      }
      const grant = await deps.authorize(key);
      if (!grant.ok && grant.reason === "rate_limited")
        throw new TraceIngestError(
          "rate_limited",
          "Too many trace exports for this project.",
          429,
          grant.retryAfterSeconds,
        );
      if (!grant.ok)
        throw new TraceIngestError("invalid_key", "The key belongs to no project; check it.", 401);
      const body = await readBody(request, deps.limits);
      const owner: SpanOwner = { projectId: grant.projectId, appId: grant.appId, defaultService: grant.name };
      const spans =
        encoding === "protobuf" ? decodeTraceRequestProto(body, owner) : decodeTraceRequestJson(body, owner);
      if (spans.length > 0) await deps.store(spans, owner);
      // An empty ExportTraceServiceResponse: zero bytes in protobuf, {} in JSON.
      return encoding === "protobuf"
        ? new Response(new Uint8Array(0), { headers: { ...cors, "content-type": "application/x-protobuf" } })
        : Response.json({}, { headers: cors });
    } catch (error) {
      if (error instanceof TraceIngestError) return errorResponse(error, encoding);
      throw error;
    }
  };
}
