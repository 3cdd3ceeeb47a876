import { PierError } from "@pier/core";

/** Every way an ingest request can be refused; each maps to one status the SDKs understand. */
export class IngestError extends PierError {
  constructor(code: string, message: string, status: number) {
    super(code, message, status);
  }
}

export class PayloadTooLargeError extends IngestError {
  constructor(what: string, limitBytes: number) {
    super(
      "payload_too_large",
      `The ${what} is larger than ${limitBytes} bytes; send smaller events (trim breadcrumbs, attachments).`,
      413,
    );
  }
}

export class MalformedPayloadError extends IngestError {
  constructor(message: string) {
    super("malformed_payload", message, 400);
  }
}

export class InvalidKeyError extends IngestError {
  constructor(message: string) {
    super("invalid_key", message, 401);
  }
}

export class IngestRateLimitedError extends IngestError {
  constructor(readonly retryAfterSeconds: number) {
    super(
      "rate_limited",
      `This project's rate limit is exhausted; retry after ${retryAfterSeconds} s or raise the limit.`,
      429,
    );
  }
}

/** How long SDKs are asked to wait while storage is full: freeing space takes an operator. */
export const STORAGE_FULL_RETRY_AFTER_SECONDS = 30;

/** Storage is full: 503 with Retry-After, which Sentry SDKs honour, until a write succeeds again. */
export class IngestStorageFullError extends IngestError {
  readonly retryAfterSeconds = STORAGE_FULL_RETRY_AFTER_SECONDS;
  constructor() {
    super(
      "storage_full",
      "pier cannot store events right now: the disk it writes them to is full. " +
        `Nothing in this request was kept; send it again after ${STORAGE_FULL_RETRY_AFTER_SECONDS} s.`,
      503,
    );
  }
}

export class IngestOverloadedError extends IngestError {
  constructor() {
    super("overloaded", "pier is storing events slower than they arrive; retry in a second.", 503);
  }
}

/** The writer thread died and a new one is starting: nothing is acknowledged that no writer would keep. */
export class IngestWriterUnavailableError extends IngestError {
  readonly retryAfterSeconds = 5;
  constructor() {
    super(
      "writer_unavailable",
      "pier's error-tracking writer is restarting; nothing in this request was kept, send it again in 5 s.",
      503,
    );
  }
}

/** Reads wait for the writer (read-your-writes); a writer that does not answer must not hold them forever. */
export class ErrorsWriterUnavailableError extends PierError {
  constructor(reason: string) {
    super(
      "errors_writer_unavailable",
      `The error-tracking writer thread ${reason}; try again in a few seconds. If this persists, restart pier and report the log.`,
      503,
    );
  }
}
