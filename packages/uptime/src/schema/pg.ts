import { boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import type { HttpOptions } from "../monitor.ts";

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });
const createdAt = () => ts("created_at").notNull().defaultNow();

export const uptimeMonitors = pgTable("uptime_monitors", {
  id: text("id").primaryKey(),
  name: text("name").notNull().unique(),
  kind: text("kind", { enum: ["http", "tcp"] }).notNull(),
  target: text("target").notNull(),
  appId: text("app_id"),
  auto: boolean("auto").notNull().default(false),
  enabled: boolean("enabled").notNull().default(true),
  intervalSeconds: integer("interval_seconds").notNull(),
  timeoutMs: integer("timeout_ms").notNull(),
  retries: integer("retries").notNull(),
  httpOptions: jsonb("http_options").$type<Omit<HttpOptions, "headers">>().notNull(),
  headersSealed: text("headers_sealed"),
  status: text("status", { enum: ["unknown", "up", "retrying", "down"] })
    .notNull()
    .default("unknown"),
  consecutiveFailures: integer("consecutive_failures").notNull().default(0),
  openIncidentId: text("open_incident_id"),
  lastCheckAt: ts("last_check_at"),
  lastLatencyMs: integer("last_latency_ms"),
  lastError: text("last_error"),
  tlsExpiresAt: ts("tls_expires_at"),
  tlsCheckedAt: ts("tls_checked_at"),
  tlsWarnedFor: ts("tls_warned_for"),
  createdAt: createdAt(),
});

export const uptimeChecks = pgTable(
  "uptime_checks",
  {
    monitorId: text("monitor_id").notNull(),
    at: ts("at").notNull(),
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
    id: text("id").primaryKey(),
    monitorId: text("monitor_id")
      .notNull()
      .references(() => uptimeMonitors.id, { onDelete: "cascade" }),
    startedAt: ts("started_at").notNull(),
    resolvedAt: ts("resolved_at"),
    reason: text("reason").notNull(),
    lastReason: text("last_reason").notNull(),
    failedChecks: integer("failed_checks").notNull(),
  },
  (t) => [index("uptime_incidents_monitor_idx").on(t.monitorId, t.startedAt)],
);

export const uptimeStatusPages = pgTable("uptime_status_pages", {
  id: text("id").primaryKey(),
  slug: text("slug").notNull().unique(),
  title: text("title").notNull(),
  description: text("description"),
  host: text("host").unique(),
  appId: text("app_id"),
  monitorIds: jsonb("monitor_ids").$type<string[]>().notNull(),
  createdAt: createdAt(),
});
