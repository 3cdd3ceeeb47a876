import { type OtlpLimits, otlpEndpoint, readOtlpBody } from "@pier/otlp";
import type { IngestGrant } from "@pier/platform";
import { decodeTraceRequestJson } from "../otlp/decode-json.ts";
import { decodeTraceRequestProto } from "../otlp/decode-proto.ts";
import type { SpanOwner, SpanRecord } from "../span.ts";
import { TraceIngestError } from "./errors.ts";

export type { OtlpLimits } from "@pier/otlp";

/** Above the Sentry endpoints' 1 MB: an exporter's batch of 512 spans with attributes can pass it. */
export const defaultOtlpLimits: OtlpLimits = {
  maxBodyBytes: 4 * 1024 * 1024,
  maxDecodedBytes: 16 * 1024 * 1024,
};

export interface OtlpIngestDeps {
  authorize(key: string): Promise<IngestGrant>;
  /** Stores the spans; how many it refused (too old to keep). */
  store(spans: SpanRecord[], owner: SpanOwner): Promise<number>;
  limits: OtlpLimits;
}

/**
 * OTLP/HTTP trace export (`POST /v1/traces`): authenticate by the project key, read (gzip),
 * decode protobuf or JSON, store (the request side is @pier/otlp's `otlpEndpoint`).
 */
export function createOtlpTraceHandler(deps: OtlpIngestDeps) {
  return otlpEndpoint(async ({ request, key, encoding }) => {
    const grant = await deps.authorize(key);
    if (!grant.ok && grant.reason === "rate_limited")
      throw new TraceIngestError(
        "rate_limited",
        "Too many trace exports for this project.",
        429,
        grant.retryAfterSeconds,
      );
    if (!grant.ok) throw new TraceIngestError("invalid_key", "The key belongs to no project; check it.", 401);
    const body = await readOtlpBody(request, deps.limits);
    const owner: SpanOwner = { projectId: grant.projectId, appId: grant.appId, defaultService: grant.name };
    const spans =
      encoding === "protobuf" ? decodeTraceRequestProto(body, owner) : decodeTraceRequestJson(body, owner);
    const rejected = spans.length > 0 ? await deps.store(spans, owner) : 0;
    return rejected > 0
      ? { rejected, message: "spans that started before the traces' retention are not stored" }
      : undefined;
  }, "rejectedSpans");
}
