import type * as sqliteSchema from "../schema/sqlite.ts";
import type { LatencyPercentiles } from "../stats.ts";

export type CheckRow = (typeof sqliteSchema)["uptimeChecks"]["$inferSelect"];
export type DailyRow = (typeof sqliteSchema)["uptimeDaily"]["$inferSelect"];

/** Counts and latency percentiles (successful checks only) of one monitor since a moment. */
export interface CheckWindow {
  checks: number;
  failures: number;
  latency: LatencyPercentiles;
}

/**
 * Where check results live: raw checks (recent list, 24 h / 7 d windows) and per-day counters
 * (90-day bars, 7/30/90-day uptime). The SQL database by default, ClickHouse when configured;
 * monitors and incidents always stay in SQL.
 */
export interface CheckResults {
  readonly kind: "sql" | "clickhouse";
  /** The raw row and the counters of its UTC `day` (YYYY-MM-DD). */
  record(row: CheckRow, day: string): Promise<void>;
  /** Newest first. */
  latest(monitorId: string, limit: number): Promise<CheckRow[]>;
  window(monitorId: string, from: Date): Promise<CheckWindow>;
  /** Every check since `from`, oldest first, reduced to what a response-time chart needs. */
  since(monitorId: string, from: Date): Promise<Pick<CheckRow, "at" | "ok" | "latencyMs">[]>;
  /** Oldest day first; days without checks are absent. */
  daily(monitorIds: string[], fromDay: string): Promise<DailyRow[]>;
  /** Retention: raw checks before `rawBefore`, counters of days before `dailyBeforeDay`. */
  prune(rawBefore: Date, dailyBeforeDay: string): Promise<void>;
  deleteMonitor(monitorId: string): Promise<void>;
  close(): Promise<void>;
}
