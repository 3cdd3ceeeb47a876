import { timestamp } from "@pier/http/contract";
import { redactedChannelConfigSchema } from "@pier/notify/channels";
import { z } from "zod";

// The answers of the uptime API (presenters.ts, status-pages.ts, service.ts build them).

/** An HTTP monitor's options; header values are write-only (they often carry credentials). */
const monitorHttpSchema = z.object({
  method: z.enum(["GET", "HEAD", "POST"]),
  expectedStatus: z.string(),
  keyword: z.string().optional(),
  keywordMode: z.enum(["present", "absent"]),
  maxLatencyMs: z.number().int().optional(),
  followRedirects: z.boolean(),
  headers: z.record(z.string(), z.literal("***")),
  tlsExpiryDays: z.number().int(),
  ignoreTlsErrors: z.boolean(),
});

export const monitorSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(["http", "tcp"]),
  target: z.string(),
  appId: z.string().nullable(),
  /** Made by pier for a deployed app, and kept in sync with its URL. */
  auto: z.boolean(),
  enabled: z.boolean(),
  intervalSeconds: z.number().int(),
  timeoutMs: z.number().int(),
  retries: z.number().int(),
  /** HTTP monitors only. */
  http: monitorHttpSchema.optional(),
  status: z.enum(["unknown", "up", "retrying", "down", "paused"]),
  consecutiveFailures: z.number().int(),
  openIncidentId: z.string().nullable(),
  lastCheckAt: timestamp().nullable(),
  lastLatencyMs: z.number().nullable(),
  lastError: z.string().nullable(),
  tlsExpiresAt: timestamp().nullable(),
  createdAt: timestamp(),
});

export const incidentSchema = z.object({
  id: z.string(),
  monitorId: z.string(),
  monitorName: z.string().optional(),
  startedAt: timestamp(),
  resolvedAt: timestamp().nullable(),
  open: z.boolean(),
  durationMs: z.number(),
  reason: z.string(),
  lastReason: z.string(),
  failedChecks: z.number().int(),
});

/** Nearest-rank percentiles of successful checks; null without any. */
const latencySchema = z.object({
  p50: z.number().nullable(),
  p95: z.number().nullable(),
  p99: z.number().nullable(),
  samples: z.number().int(),
});

/** Uptime in percent; null without checks (a new monitor is not "0 % up"). */
const uptimeShare = z.number().nullable();

export const monitorStatsSchema = z.object({
  monitor: monitorSchema,
  uptime: z.object({ "24h": uptimeShare, "7d": uptimeShare, "30d": uptimeShare, "90d": uptimeShare }),
  latency: z.object({ "24h": latencySchema, "7d": latencySchema }),
  /** The last 90 UTC days, oldest first; days with checks also name their monitor. */
  daily: z.array(
    z.object({
      day: z.string(),
      checks: z.number().int(),
      failures: z.number().int(),
      monitorId: z.string().optional(),
    }),
  ),
});

/** Response times per bucket (5 minutes over 24 h, an hour over 7 d), empty buckets included. */
export const latencySeriesSchema = z.object({
  period: z.enum(["24h", "7d"]),
  bucketMs: z.number(),
  points: z.array(
    z.object({
      t: z.number(),
      checks: z.number().int(),
      failures: z.number().int(),
      p50: z.number().nullable(),
      p95: z.number().nullable(),
    }),
  ),
});

export const checkSchema = z.object({
  monitorId: z.string(),
  at: timestamp(),
  ok: z.boolean(),
  latencyMs: z.number(),
  status: z.number().int().nullable(),
  error: z.string().nullable(),
});

export const checkResultSchema = z.object({
  ok: z.boolean(),
  latencyMs: z.number(),
  status: z.number().int().optional(),
  error: z.string().optional(),
});

export const channelSchema = z.object({
  id: z.string(),
  name: z.string(),
  enabled: z.boolean(),
  /** Event kinds the channel wants; empty means all. */
  events: z.array(z.string()),
  config: redactedChannelConfigSchema,
});

/** A logged delivery of an event to a channel. */
export const deliverySchema = z.object({
  id: z.string(),
  channelId: z.string(),
  kind: z.string(),
  ok: z.boolean(),
  attempts: z.number().int(),
  status: z.number().int().nullable(),
  error: z.string().nullable(),
  createdAt: timestamp(),
});

/** The outcome of one test send (one attempt, no back-off). */
export const testDeliverySchema = z.object({
  ok: z.boolean(),
  attempts: z.number().int(),
  status: z.number().int().optional(),
  error: z.string().optional(),
  deliveryId: z.string(),
  channelId: z.string(),
  channelName: z.string(),
  kind: z.string(),
  at: timestamp(),
});

export const statusPageSchema = z.object({
  id: z.string(),
  slug: z.string(),
  title: z.string(),
  description: z.string().nullable(),
  host: z.string().nullable(),
  appId: z.string().nullable(),
  monitorIds: z.array(z.string()),
  /** Where the public page is on the console: `/status/SLUG`. */
  path: z.string(),
  createdAt: timestamp(),
});

export const deletedResponse = z.object({ deleted: z.literal(true) });
