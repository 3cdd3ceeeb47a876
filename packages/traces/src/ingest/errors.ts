import { OtlpIngestError } from "@pier/otlp";

/** A trace ingest request refused; `status` is the HTTP answer. */
export class TraceIngestError extends OtlpIngestError {}

export class MalformedTraceError extends TraceIngestError {
  constructor(detail: string) {
    super("malformed_payload", `The OTLP trace payload could not be read: ${detail}.`, 400);
  }
}
