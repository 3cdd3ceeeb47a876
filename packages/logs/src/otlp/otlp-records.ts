import { levelOfName, levelOfSeverityNumber } from "../level.ts";
import type { LogRecord } from "../log-record.ts";
import type { AnyValue, OtlpLog } from "./otlp-logs.ts";

const maxLineChars = 16_384;

function text(value: AnyValue): string {
  return typeof value === "string" ? value : value === null ? "" : JSON.stringify(value);
}

/**
 * Stored lines of OTLP log records sent with `app`'s key: environment from
 * `deployment.environment(.name)`, release from `service.version`, replica from
 * `service.instance.id` (else `host.name`, else the service name). Attributes, trace and span
 * ids and the scope are kept as JSON beside the line.
 */
export function otlpToRecords(app: string, logs: readonly OtlpLog[], now = Date.now()): LogRecord[] {
  return logs.map((log) => {
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
    return {
      ts: log.timeMs > 0 ? log.timeMs : now,
      app,
      env,
      release: text(r["service.version"] ?? null),
      replica,
      stream: "otlp",
      level: levelOfSeverityNumber(log.severityNumber) ?? levelOfName(log.severityText),
      line: line.length > maxLineChars ? line.slice(0, maxLineChars) : line,
      attrs: Object.keys(extra).length > 0 ? JSON.stringify(extra) : null,
    };
  });
}
