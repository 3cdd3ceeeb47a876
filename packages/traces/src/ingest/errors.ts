import { PierError } from "@pier/core";

/** A trace ingest request refused; `status` is the HTTP answer. */
export class TraceIngestError extends PierError {
  constructor(
    code: string,
    message: string,
    status: number,
    readonly retryAfterSeconds?: number,
  ) {
    super(code, message, status);
  }
}

export class MalformedTraceError extends TraceIngestError {
  constructor(detail: string) {
    super("malformed_payload", `The OTLP trace payload could not be read: ${detail}.`, 400);
  }
}
