import { gunzipSync } from "node:zlib";
import { PierError } from "@pier/core";
import type { IngestGrant } from "@pier/platform";
import type { LogRecord } from "../log-record.ts";
import { decodeLogsJson, decodeLogsProtobuf, OtlpDecodeError } from "./otlp-logs.ts";
import { otlpToRecords } from "./otlp-records.ts";

export interface OtlpLogLimits {
  /** Bytes on the wire. */
  maxBodyBytes: number;
  /** Bytes after gzip: a small bomb must not become a large allocation. */
  maxDecodedBytes: number;
}

/** As for traces: an exporter's batch of 512 records with attributes can pass the Sentry endpoints' 1 MB. */
export const defaultOtlpLogLimits: OtlpLogLimits = {
  maxBodyBytes: 4 * 1024 * 1024,
  maxDecodedBytes: 16 * 1024 * 1024,
};

export interface OtlpLogIngestDeps {
  /** The errors project's key check (`authorizeIngest` of the errors capability); null: errors off. */
  authorize: ((key: string) => Promise<IngestGrant>) | null;
  /** The app a project belongs to; null for a project of its own. */
  appName(appId: string): Promise<string | null>;
  /** Stores in one transaction; throws when it cannot (a full disk). */
  store(records: LogRecord[]): void;
  /** True when stored lines wait for the disk: exporters are asked to come back. */
  busy(): boolean;
  /** Whether an error of `store` means the disk is full. */
  storageFull(error: unknown): boolean;
  limits: OtlpLogLimits;
}

export class LogIngestError extends PierError {
  constructor(
    code: string,
    message: string,
    status: number,
    readonly retryAfterSeconds?: number,
  ) {
    super(code, message, status);
  }
}

const cors = { "access-control-allow-origin": "*", "access-control-expose-headers": "retry-after" };

/**
 * The key, from `X-Pier-Key: KEY` or `Authorization: Bearer KEY` (what OTEL_EXPORTER_OTLP_HEADERS
 * sets), as the traces endpoint takes it. Never from the URL: exporters log their endpoint.
 */
export function ingestKeyOf(headers: Headers): string | null {
  const direct = headers.get("x-pier-key")?.trim();
  if (direct) return direct.toLowerCase();
  const match = /^bearer\s+(\S+)$/i.exec(headers.get("authorization")?.trim() ?? "");
  return match ? match[1]!.toLowerCase() : null;
}

type Encoding = "protobuf" | "json";

function encodingOf(contentType: string | null): Encoding {
  const type = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (type === "application/x-protobuf" || type === "application/protobuf") return "protobuf";
  if (type === "application/json") return "json";
  throw new LogIngestError(
    "unsupported_media_type",
    "OTLP/HTTP bodies are application/x-protobuf or application/json.",
    415,
  );
}

async function readBody(request: Request, limits: OtlpLogLimits): Promise<Uint8Array> {
  const tooLarge = (what: string, limit: number) =>
    new LogIngestError(
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
    throw new LogIngestError("unsupported_encoding", `Content-Encoding "${encoding}": OTLP uses gzip.`, 415);
  try {
    return gunzipSync(body, { maxOutputLength: limits.maxDecodedBytes });
  } catch (error) {
    if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE")
      throw tooLarge("decompressed body", limits.maxDecodedBytes);
    throw new LogIngestError("malformed_payload", "The body is not valid gzip data.", 400);
  }
}

/** google.rpc.Status {code = 1, message = 2}: the protobuf body OTLP asks for with an error. */
function statusProto(code: number, message: string): Uint8Array<ArrayBuffer> {
  const text = new TextEncoder().encode(message);
  const out: number[] = [0x08, code, 0x12];
  let length = text.length;
  while (length >= 0x80) {
    out.push((length & 0x7f) | 0x80);
    length >>>= 7;
  }
  out.push(length);
  return new Uint8Array([...out, ...text]);
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

function errorResponse(error: LogIngestError, encoding: Encoding): Response {
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

/**
 * OTLP/HTTP log export (`POST /v1/logs`): the errors project's key (its app's logs), gzip,
 * protobuf or JSON, stored in the same store as the containers' lines. Exporters retry 429 and
 * 503 after Retry-After; other errors drop the batch.
 */
export function createOtlpLogHandler(deps: OtlpLogIngestDeps) {
  return async function handleOtlpLogs(request: Request): Promise<Response> {
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
    let encoding: Encoding = "json";
    try {
      if (request.method !== "POST")
        throw new LogIngestError("method_not_allowed", "OTLP endpoints accept POST only.", 405);
      encoding = encodingOf(request.headers.get("content-type"));
      const key = ingestKeyOf(request.headers);
      if (key === null)
        throw new LogIngestError(
          "invalid_key",
          "No ingest key: send the project's public key as X-Pier-Key (OTEL_EXPORTER_OTLP_HEADERS=x-pier-key=KEY).",
          401,
        );
      if (!deps.authorize)
        throw new LogIngestError(
          "unavailable",
          "Error tracking, which holds the ingest keys, is not running.",
          503,
          30,
        );
      const grant = await deps.authorize(key);
      if (!grant.ok && grant.reason === "rate_limited")
        throw new LogIngestError(
          "rate_limited",
          "Too many log exports for this project.",
          429,
          grant.retryAfterSeconds,
        );
      if (!grant.ok) throw new LogIngestError("invalid_key", "The key belongs to no project; check it.", 401);
      const app = grant.appId ? await deps.appName(grant.appId) : null;
      if (!app)
        throw new LogIngestError(
          "no_app",
          `Project "${grant.name}" belongs to no app; logs are kept per app: use the key of the app's project.`,
          403,
        );
      if (deps.busy())
        throw new LogIngestError("busy", "Log lines are waiting to be stored; retry shortly.", 503, 5);
      const body = await readBody(request, deps.limits);
      let records: LogRecord[];
      try {
        const logs =
          encoding === "protobuf" ? decodeLogsProtobuf(body) : decodeLogsJson(new TextDecoder().decode(body));
        records = otlpToRecords(app, logs);
      } catch (error) {
        if (error instanceof OtlpDecodeError)
          throw new LogIngestError(
            "malformed_payload",
            `The OTLP logs payload could not be read: ${error.message}.`,
            400,
          );
        throw error;
      }
      if (records.length > 0) {
        try {
          deps.store(records);
        } catch (error) {
          if (deps.storageFull(error))
            throw new LogIngestError(
              "storage_full",
              "pier's disk is full; log records are refused for now.",
              503,
              60,
            );
          throw error;
        }
      }
      // An empty ExportLogsServiceResponse: zero bytes in protobuf, {} in JSON.
      return encoding === "protobuf"
        ? new Response(new Uint8Array(0), { headers: { ...cors, "content-type": "application/x-protobuf" } })
        : Response.json({}, { headers: cors });
    } catch (error) {
      if (error instanceof LogIngestError) return errorResponse(error, encoding);
      throw error;
    }
  };
}
