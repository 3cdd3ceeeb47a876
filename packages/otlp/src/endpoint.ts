import { gunzipSync } from "node:zlib";
import { PierError } from "@pier/core";

/** An OTLP export refused; `status` is the HTTP answer, `retryAfterSeconds` for 429 and 503. */
export class OtlpIngestError extends PierError {
  constructor(
    code: string,
    message: string,
    status: number,
    readonly retryAfterSeconds?: number,
  ) {
    super(code, message, status);
  }
}

/**
 * How far ahead of the receiving clock an exported time may be (logs and traces alike): clocks
 * drift, they are not years off.
 */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;

export interface OtlpLimits {
  /** Bytes on the wire. */
  maxBodyBytes: number;
  /** Bytes after gzip: a small bomb must not become a large allocation. */
  maxDecodedBytes: number;
}

export type OtlpEncoding = "protobuf" | "json";

/** What an endpoint's own part gets: the request with its key and body encoding checked. */
export interface OtlpExport {
  request: Request;
  key: string;
  encoding: OtlpEncoding;
}

const cors = { "access-control-allow-origin": "*", "access-control-expose-headers": "retry-after" };

/**
 * The key, from `X-Pier-Key: KEY` or `Authorization: Bearer KEY` (what OTEL_EXPORTER_OTLP_HEADERS
 * sets). Never from the URL: exporters log their endpoint.
 */
export function ingestKeyOf(headers: Headers): string | null {
  const direct = headers.get("x-pier-key")?.trim();
  if (direct) return direct.toLowerCase();
  const match = /^bearer\s+(\S+)$/i.exec(headers.get("authorization")?.trim() ?? "");
  return match ? match[1]!.toLowerCase() : null;
}

function encodingOf(contentType: string | null): OtlpEncoding {
  const type = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (type === "application/x-protobuf" || type === "application/protobuf") return "protobuf";
  if (type === "application/json") return "json";
  throw new OtlpIngestError(
    "unsupported_media_type",
    "OTLP/HTTP bodies are application/x-protobuf or application/json.",
    415,
  );
}

/** The body within `limits`, gunzipped when sent with gzip (the only encoding OTLP uses). */
export async function readOtlpBody(request: Request, limits: OtlpLimits): Promise<Uint8Array> {
  const tooLarge = (what: string, limit: number) =>
    new OtlpIngestError(
      "payload_too_large",
      `The ${what} is larger than ${limit} bytes; send smaller batches.`,
      413,
    );
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > limits.maxBodyBytes)
    throw tooLarge("request body", limits.maxBodyBytes);
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (request.body)
    for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
      total += chunk.byteLength;
      if (total > limits.maxBodyBytes) throw tooLarge("request body", limits.maxBodyBytes);
      chunks.push(chunk);
    }
  const body = Buffer.concat(chunks);
  const encoding = (request.headers.get("content-encoding") ?? "").trim().toLowerCase();
  if (encoding === "" || encoding === "identity") return body;
  if (encoding !== "gzip")
    throw new OtlpIngestError("unsupported_encoding", `Content-Encoding "${encoding}": OTLP uses gzip.`, 415);
  try {
    return gunzipSync(body, { maxOutputLength: limits.maxDecodedBytes });
  } catch (error) {
    if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE")
      throw tooLarge("decompressed body", limits.maxDecodedBytes);
    throw new OtlpIngestError("malformed_payload", "The body is not valid gzip data.", 400);
  }
}

/** A protobuf varint: 7 bits a byte, lowest first, the high bit set on all but the last. */
function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/** A protobuf message {1: varint `n`, 2: string `text`}. */
function intStringMessage(n: number, text: string): number[] {
  const bytes = new TextEncoder().encode(text);
  return [0x08, ...varint(n), 0x12, ...varint(bytes.length), ...bytes];
}

/** google.rpc.Status {code = 1, message = 2}: the protobuf body OTLP asks for with an error. */
export function statusProto(code: number, message: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(intStringMessage(code, message));
}

/** gRPC codes for the HTTP answers (OTLP's Status body carries one). */
const grpcCode: Record<number, number> = {
  400: 3,
  401: 16,
  403: 7,
  405: 12,
  413: 3,
  415: 3,
  429: 8,
  503: 14,
};

function errorResponse(error: OtlpIngestError, encoding: OtlpEncoding): Response {
  const headers: Record<string, string> = { ...cors };
  if (error.retryAfterSeconds !== undefined) headers["retry-after"] = String(error.retryAfterSeconds);
  const code = grpcCode[error.status] ?? 2;
  if (encoding === "protobuf") {
    headers["content-type"] = "application/x-protobuf";
    return new Response(statusProto(code, error.message), { status: error.status, headers });
  }
  return Response.json(
    { code, message: error.message, error: { code: error.code, message: error.message } },
    { status: error.status, headers },
  );
}

/** Items of an export that were refused while the rest was stored (OTLP's partial success). */
export interface OtlpPartialSuccess {
  rejected: number;
  message: string;
}

/**
 * Export…ServiceResponse {partial_success = 1}: its {rejected_spans or rejected_log_records = 1,
 * error_message = 2}, the same layout for traces and logs.
 */
function partialSuccessProto(partial: OtlpPartialSuccess): Uint8Array<ArrayBuffer> {
  const inner = intStringMessage(partial.rejected, partial.message);
  return new Uint8Array([0x0a, ...varint(inner.length), ...inner]);
}

/**
 * An OTLP/HTTP export endpoint (`POST /v1/traces`, `/v1/logs`): CORS preflight, POST only, the
 * body's encoding and the ingest key checked, then `handle` (authorize, read, decode, store);
 * an empty Export…ServiceResponse when it returns, OTLP's error body when it throws an
 * OtlpIngestError. Exporters retry 429 and 503 after Retry-After; other errors drop the batch.
 */
export function otlpEndpoint(
  handle: (input: OtlpExport) => Promise<OtlpPartialSuccess | undefined>,
  /** The JSON name of the partial success's count: `rejectedSpans`, `rejectedLogRecords`. */
  rejectedField = "rejected",
) {
  return async (request: Request): Promise<Response> => {
    if (request.method === "OPTIONS")
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
    let encoding: OtlpEncoding = "json";
    try {
      if (request.method !== "POST")
        throw new OtlpIngestError("method_not_allowed", "OTLP endpoints accept POST only.", 405);
      encoding = encodingOf(request.headers.get("content-type"));
      const key = ingestKeyOf(request.headers);
      if (key === null)
        throw new OtlpIngestError(
          "invalid_key",
          "No ingest key: send the project's public key as X-Pier-Key (OTEL_EXPORTER_OTLP_HEADERS=x-pier-key=KEY).",
          401,
        );
      const partial = await handle({ request, key, encoding });
      const rejected = partial !== undefined && partial.rejected > 0 ? partial : undefined;
      // Zero bytes in protobuf, {} in JSON, unless some items were refused.
      if (encoding === "protobuf")
        return new Response(rejected ? partialSuccessProto(rejected) : new Uint8Array(0), {
          headers: { ...cors, "content-type": "application/x-protobuf" },
        });
      return Response.json(
        rejected
          ? // int64 is a decimal string in OTLP's JSON mapping.
            { partialSuccess: { [rejectedField]: String(rejected.rejected), errorMessage: rejected.message } }
          : {},
        { headers: cors },
      );
    } catch (error) {
      if (error instanceof OtlpIngestError) return errorResponse(error, encoding);
      throw error;
    }
  };
}
