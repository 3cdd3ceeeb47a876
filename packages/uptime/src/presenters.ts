import type { IncidentRow, MonitorRow } from "./store.ts";

/** The API shape of a monitor: header values are write-only (they often carry credentials). */
export function monitorView(row: MonitorRow, headerNames: string[] = []) {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    target: row.target,
    appId: row.appId,
    auto: row.auto,
    enabled: row.enabled,
    intervalSeconds: row.intervalSeconds,
    timeoutMs: row.timeoutMs,
    retries: row.retries,
    http:
      row.kind === "http"
        ? { ...row.httpOptions, headers: Object.fromEntries(headerNames.map((h) => [h, "***" as const])) }
        : undefined,
    status: row.enabled ? row.status : ("paused" as const),
    consecutiveFailures: row.consecutiveFailures,
    openIncidentId: row.openIncidentId,
    lastCheckAt: row.lastCheckAt?.toISOString() ?? null,
    lastLatencyMs: row.lastLatencyMs,
    lastError: row.lastError,
    tlsExpiresAt: row.tlsExpiresAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}
export type MonitorView = ReturnType<typeof monitorView>;

export function incidentView(row: IncidentRow, monitorName?: string, now = Date.now()) {
  const end = row.resolvedAt?.getTime() ?? now;
  return {
    id: row.id,
    monitorId: row.monitorId,
    monitorName,
    startedAt: row.startedAt.toISOString(),
    resolvedAt: row.resolvedAt?.toISOString() ?? null,
    open: row.resolvedAt === null,
    durationMs: end - row.startedAt.getTime(),
    reason: row.reason,
    lastReason: row.lastReason,
    failedChecks: row.failedChecks,
  };
}
export type IncidentView = ReturnType<typeof incidentView>;
