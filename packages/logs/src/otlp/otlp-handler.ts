import { OtlpIngestError, type OtlpLimits, otlpEndpoint, readOtlpBody } from "@pier/otlp";
import type { IngestGrant } from "@pier/platform";
import type { LogRecord } from "../log-record.ts";
import { decodeLogsJson, decodeLogsProtobuf, OtlpDecodeError } from "./otlp-logs.ts";
import { otlpToRecords } from "./otlp-records.ts";

export type OtlpLogLimits = OtlpLimits;

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
  /** Retention: records older than this are refused (counted in the partial success). */
  maxAgeMs?: number;
}

/** A log export refused; `status` is the HTTP answer. */
export class LogIngestError extends OtlpIngestError {}

/**
 * OTLP/HTTP log export (`POST /v1/logs`): the errors project's key (its app's logs), gzip,
 * protobuf or JSON, stored in the same store as the containers' lines (the request side is
 * @pier/otlp's `otlpEndpoint`).
 */
export function createOtlpLogHandler(deps: OtlpLogIngestDeps) {
  return otlpEndpoint(async ({ request, key, encoding }) => {
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
    const body = await readOtlpBody(request, deps.limits);
    let records: LogRecord[];
    let rejected = 0;
    try {
      const logs =
        encoding === "protobuf" ? decodeLogsProtobuf(body) : decodeLogsJson(new TextDecoder().decode(body));
      const now = Date.now();
      ({ records, rejected } = otlpToRecords(
        app,
        logs,
        now,
        deps.maxAgeMs === undefined ? 0 : now - deps.maxAgeMs,
      ));
    } catch (error) {
      if (error instanceof OtlpDecodeError)
        throw new LogIngestError(
          "malformed_payload",
          `The OTLP logs payload could not be read: ${error.message}.`,
          400,
        );
      throw error;
    }
    const partial =
      rejected > 0
        ? { rejected, message: "log records older than the logs' retention are not stored" }
        : undefined;
    if (records.length === 0) return partial;
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
    return partial;
  }, "rejectedLogRecords");
}
