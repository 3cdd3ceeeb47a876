import { MAX_FUTURE_SKEW_MS } from "@pier/otlp";
import { levelOfName, levelOfSeverityNumber } from "../level.ts";
import type { LogRecord } from "../log-record.ts";
import type { AnyValue, OtlpLog } from "./otlp-logs.ts";

const maxLineChars = 16_384;

function text(value: AnyValue): string {
  return typeof value === "string" ? value : value === null ? "" : JSON.stringify(value);
}

/**
 * A record's time as stored, or null to refuse it: none (0) or one further ahead than clocks drift
 * is the time received (retention could never remove it, or would at once); one older than
 * `oldestMs` (retention) would be pruned at once, and is refused.
 */
export function recordTime(timeMs: number, now: number, oldestMs: number): number | null {
  if (timeMs <= 0 || timeMs > now + MAX_FUTURE_SKEW_MS) return now;
  return timeMs < oldestMs ? null : timeMs;
}

/**
 * Stored lines of OTLP log records sent with `app`'s key: environment from
 * `deployment.environment(.name)`, release from `service.version`, replica from
 * `service.instance.id` (else `host.name`, else the service name). Attributes, trace and span
 * ids and the scope are kept as JSON beside the line.
 */
export function otlpToRecords(
  app: string,
  logs: readonly OtlpLog[],
  now = Date.now(),
  oldestMs = 0,
): { records: LogRecord[]; rejected: number } {
  const records: LogRecord[] = [];
  for (const log of logs) {
    const ts = recordTime(log.timeMs, now, oldestMs);
    if (ts === null) continue;
    const r = log.resource;
    const env = text(r["deployment.environment.name"] ?? r["deployment.environment"] ?? null) || "production";
    const service = text(r["service.name"] ?? null);
    const replica = text(r["service.instance.id"] ?? r["host.name"] ?? null) || service;
    const line = text(log.body);
    const extra: Record<string, AnyValue> = { ...log.attributes };
    if (service) extra["service.name"] = service;
    if (log.scope) extra["otel.scope"] = log.scope;
    if (log.traceId) extra.trace_id = log.traceId;
    if (log.spanId) extra.span_id = log.spanId;
    records.push({
      ts,
      app,
      env,
      release: text(r["service.version"] ?? null),
      replica,
      stream: "otlp",
      level: levelOfSeverityNumber(log.severityNumber) ?? levelOfName(log.severityText),
      line: line.length > maxLineChars ? line.slice(0, maxLineChars) : line,
      attrs: Object.keys(extra).length > 0 ? JSON.stringify(extra) : null,
    });
  }
  return { records, rejected: logs.length - records.length };
}
