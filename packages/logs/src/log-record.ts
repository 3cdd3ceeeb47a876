import type { Level } from "./level.ts";

/** Where a line came from: a replica's stdout or stderr (Docker), or an OTLP log record. */
export type LogSource = "stdout" | "stderr" | "otlp";

/** One stored log line. */
export interface LogRecord {
  /** When it was written, epoch ms. */
  ts: number;
  app: string;
  env: string;
  /** The deployment id of the release that wrote it (OTLP: `service.version`), "" when unknown. */
  release: string;
  /** `env/N` for a replica; OTLP: `service.instance.id` or `host.name`, else the service name. */
  replica: string;
  stream: LogSource;
  level: Level | null;
  line: string;
  /** OTLP attributes, trace and span ids as JSON; null for container lines. */
  attrs: string | null;
}

/** A stored line with its id (ids grow in the order lines were stored: a cursor for follow). */
export interface StoredLogRecord extends LogRecord {
  id: number;
}
