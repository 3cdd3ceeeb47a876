import { pgColumns } from "@pier/db";
import { index, integer, pgTable, primaryKey, text } from "drizzle-orm/pg-core";
import type { HttpOptions } from "../monitor.ts";

const { boolean, createdAt, id, json, timestamp } = pgColumns;

export const uptimeMonitors = pgTable("uptime_monitors", {
  id: id(),
  name: text("name").notNull().unique(),
  kind: text("kind", { enum: ["http", "tcp"] }).notNull(),
  target: text("target").notNull(),
  appId: text("app_id"),
  auto: boolean("auto").notNull().default(false),
  enabled: boolean("enabled").notNull().default(true),
  intervalSeconds: integer("interval_seconds").notNull(),
  timeoutMs: integer("timeout_ms").notNull(),
  retries: integer("retries").notNull(),
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
  tlsWarnedFor: timestamp("tls_warned_for"),
  createdAt: createdAt(),
});

export const uptimeChecks = pgTable(
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

export const uptimeDaily = pgTable(
  "uptime_daily",
  {
    monitorId: text("monitor_id").notNull(),
    day: text("day").notNull(),
    checks: integer("checks").notNull(),
    failures: integer("failures").notNull(),
  },
  (t) => [primaryKey({ columns: [t.monitorId, t.day] })],
);

export const uptimeIncidents = pgTable(
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

export const uptimeStatusPages = pgTable("uptime_status_pages", {
  id: id(),
  slug: text("slug").notNull().unique(),
  title: text("title").notNull(),
  description: text("description"),
  host: text("host").unique(),
  appId: text("app_id"),
  monitorIds: json<string[]>("monitor_ids").notNull(),
  createdAt: createdAt(),
});
