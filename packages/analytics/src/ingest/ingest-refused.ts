import { PierError } from "@pier/core";

/**
 * How long a refused sender is asked to wait while storage is full: freeing space takes an
 * operator, and a browser or SDK asking again every second would only add load.
 */
export const STORAGE_FULL_RETRY_AFTER_SECONDS = 30;

/**
 * A beacon that was not queued, answered 503 with Retry-After instead of 202: the write queue is
 * full (the store falls behind) or storage is, and pier acknowledges nothing it may not keep.
 */
export class IngestRefusedError extends PierError {
  readonly retryAfterSeconds: number;

  constructor(storageFull: boolean) {
    super(
      storageFull ? "storage_full" : "overloaded",
      storageFull
        ? "pier cannot store analytics events right now: the disk it writes them to is full. " +
            "Nothing in this request was kept; send it again later."
        : "pier is storing analytics events slower than they arrive; send this one again in a second.",
      503,
    );
    this.retryAfterSeconds = storageFull ? STORAGE_FULL_RETRY_AFTER_SECONDS : 1;
  }

  response(): Response {
    return Response.json(
      { error: { code: this.code, message: this.message } },
      { status: this.status, headers: { "retry-after": String(this.retryAfterSeconds) } },
    );
  }
}
