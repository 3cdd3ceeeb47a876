import { sqliteColumns } from "@pier/db";
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { HttpOptions } from "../monitor.ts";

// Epoch milliseconds here, timestamptz in pg.ts; both read back as Date.
const { boolean, createdAt, id, json, timestamp } = sqliteColumns;

/** Definition and live state of a monitor; state columns are rewritten after every check. */
export const uptimeMonitors = sqliteTable("uptime_monitors", {
  id: id(),
  name: text("name").notNull().unique(),
  kind: text("kind", { enum: ["http", "tcp"] }).notNull(),
  target: text("target").notNull(),
  appId: text("app_id"),
  /** Created for a deployed app by pier itself (kept in sync with its URL). */
  auto: boolean("auto").notNull().default(false),
  enabled: boolean("enabled").notNull().default(true),
  intervalSeconds: integer("interval_seconds").notNull(),
  timeoutMs: integer("timeout_ms").notNull(),
  retries: integer("retries").notNull(),
  /** HTTP options without headers, which may carry credentials and are sealed apart. */
  httpOptions: json<Omit<HttpOptions, "headers">>("http_options").notNull(),
  headersSealed: text("headers_sealed"),
  status: text("status", { enum: ["unknown", "up", "retrying", "down"] })
    .notNull()
    .default("unknown"),
  consecutiveFailures: integer("consecutive_failures").notNull().default(0),
  openIncidentId: text("open_incident_id"),
  lastCheckAt: timestamp("last_check_at"),
  lastLatencyMs: integer("last_latency_ms"),
  lastError: text("last_error"),
  tlsExpiresAt: timestamp("tls_expires_at"),
  tlsCheckedAt: timestamp("tls_checked_at"),
  /** The expiry date a warning went out for, so one certificate warns once. */
  tlsWarnedFor: timestamp("tls_warned_for"),
  createdAt: createdAt(),
});

/** One row per check, kept for the raw retention window (latency percentiles, 24 h uptime). */
export const uptimeChecks = sqliteTable(
  "uptime_checks",
  {
    monitorId: text("monitor_id").notNull(),
    at: timestamp("at").notNull(),
    ok: boolean("ok").notNull(),
    latencyMs: integer("latency_ms").notNull(),
    status: integer("status"),
    error: text("error"),
  },
  (t) => [primaryKey({ columns: [t.monitorId, t.at] })],
);

/** Per-day counters, kept long after raw checks are pruned: 90-day bars and 30/90-day uptime. */
export const uptimeDaily = sqliteTable(
  "uptime_daily",
  {
    monitorId: text("monitor_id").notNull(),
    day: text("day").notNull(),
    checks: integer("checks").notNull(),
    failures: integer("failures").notNull(),
  },
  (t) => [primaryKey({ columns: [t.monitorId, t.day] })],
);

export const uptimeIncidents = sqliteTable(
  "uptime_incidents",
  {
    id: id(),
    monitorId: text("monitor_id")
      .notNull()
      .references(() => uptimeMonitors.id, { onDelete: "cascade" }),
    startedAt: timestamp("started_at").notNull(),
    resolvedAt: timestamp("resolved_at"),
    reason: text("reason").notNull(),
    lastReason: text("last_reason").notNull(),
    failedChecks: integer("failed_checks").notNull(),
  },
  (t) => [index("uptime_incidents_monitor_idx").on(t.monitorId, t.startedAt)],
);

/** A public page: chosen monitors, at /status/SLUG on the console and optionally on its own host. */
export const uptimeStatusPages = sqliteTable("uptime_status_pages", {
  id: id(),
  slug: text("slug").notNull().unique(),
  title: text("title").notNull(),
  description: text("description"),
  host: text("host").unique(),
  appId: text("app_id"),
  monitorIds: json<string[]>("monitor_ids").notNull(),
  createdAt: createdAt(),
});
