export type { CheckResults, CheckRow, CheckWindow, DailyRow } from "./check-results/check-results.ts";
export {
  type ClickHouseCheckResultsOptions,
  createClickHouseCheckResults,
} from "./check-results/clickhouse-check-results.ts";
export { createSqlCheckResults } from "./check-results/sql-check-results.ts";
export { runHttpCheck } from "./checks/http-check.ts";
export { runTcpCheck } from "./checks/tcp-check.ts";
export { fetchCertificateExpiry } from "./checks/tls-expiry.ts";
export {
  IntervalTooShortError,
  MonitorNameTakenError,
  MonitorNotFoundError,
  StatusPageNotFoundError,
} from "./errors.ts";
export { type CheckResult, evaluateHttp } from "./evaluate.ts";
export { applyCheck, type MonitorState, type MonitorStatus } from "./incident-state.ts";
export { uptimeMigrations } from "./migrations.ts";
export { uptimeModule } from "./module.ts";
export {
  type HttpOptions,
  type MonitorInput,
  type MonitorPatch,
  monitorInputSchema,
  monitorPatchSchema,
} from "./monitor.ts";
export { type IncidentView, incidentView, type MonitorView, monitorView } from "./presenters.ts";
export { CheckScheduler, type Clock, systemClock } from "./scheduler.ts";
export {
  type AppRef,
  type Checkers,
  type Sealer,
  UptimeService,
  type UptimeServiceOptions,
} from "./service.ts";
export { percentiles, uptimePercent } from "./stats.ts";
export { escapeHtml, overallState, renderStatusPage, type StatusPageModel } from "./status-page/render.ts";
export {
  type StatusPageInput,
  statusPageInputSchema,
  statusPagePatchSchema,
} from "./status-page/status-page-input.ts";
export { StatusPages, statusPageView } from "./status-page/status-pages.ts";
export type { MonitorRow, StatusPageRow, UptimeStore } from "./store.ts";
