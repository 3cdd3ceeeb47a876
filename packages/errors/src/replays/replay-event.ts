import { z } from "zod";
import { MalformedPayloadError } from "../ingest/errors.ts";

const REPLAY_ID = /^[0-9a-f]{32}$/;
const text = (max: number) =>
  z
    .string()
    .transform((s) => s.slice(0, max))
    .nullable()
    .optional()
    .catch(undefined);
const idList = z
  .array(z.unknown())
  .optional()
  .catch(undefined)
  .transform((ids) => (ids ?? []).filter((id): id is string => typeof id === "string"));

/**
 * The fields pier keeps of a `replay_event` item (the event-shaped metadata the SDK sends with each
 * segment). Anything else in it is not stored; fields of the wrong type are ignored, not refused.
 */
const replayEventSchema = z.looseObject({
  replay_id: z.string(),
  segment_id: z.number().int().min(0).optional().catch(undefined),
  replay_type: text(20),
  timestamp: z.number().optional().catch(undefined),
  replay_start_timestamp: z.number().optional().catch(undefined),
  urls: idList,
  error_ids: idList,
  trace_ids: idList,
  release: text(200),
  environment: text(64),
  platform: text(64),
  user: z
    .looseObject({
      id: z.union([z.string(), z.number()]).optional().catch(undefined),
      email: z.string().optional().catch(undefined),
      username: z.string().optional().catch(undefined),
      ip_address: z.string().optional().catch(undefined),
    })
    .nullable()
    .optional()
    .catch(undefined),
  contexts: z
    .looseObject({
      browser: z.looseObject({ name: z.string().optional(), version: z.string().optional() }).optional(),
      os: z.looseObject({ name: z.string().optional(), version: z.string().optional() }).optional(),
    })
    .optional()
    .catch(undefined),
  request: z
    .looseObject({ headers: z.record(z.string(), z.unknown()).optional() })
    .optional()
    .catch(undefined),
});

/** One replay_event reduced to what the replay's row keeps. */
export interface ReplayFacts {
  replayId: string;
  segmentId: number | null;
  replayType: string;
  /** Epoch ms. */
  startedAt: number | null;
  timestamp: number | null;
  urls: string[];
  errorIds: string[];
  traceIds: string[];
  release: string | null;
  environment: string | null;
  platform: string;
  userLabel: string | null;
  browser: string | null;
  os: string | null;
}

/** `replay_id` as Sentry ids are compared: 32 lowercase hex digits, dashes dropped. */
export function normalizeReplayId(value: unknown): string | null {
  if (typeof value !== "string") return null;
  const id = value.replaceAll("-", "").toLowerCase();
  return REPLAY_ID.test(id) ? id : null;
}

const seconds = (value: number | undefined) =>
  value === undefined || !Number.isFinite(value) ? null : Math.round(value * 1000);
const nameVersion = (part?: { name?: string; version?: string }) =>
  part?.name ? `${part.name}${part.version ? ` ${part.version.split(".")[0]}` : ""}`.slice(0, 64) : null;

/** The browser and OS of a User-Agent, roughly (list views only; the recording has the details). */
export function browserOfUserAgent(ua: string): { browser: string | null; os: string | null } {
  const browser =
    /\b(Edg|OPR|Firefox|HeadlessChrome|Chrome|CriOS|FxiOS)\/(\d+)/.exec(ua) ??
    /\bVersion\/(\d+)[^ ]* (?:Mobile\/\S+ )?Safari\//.exec(ua);
  const names: Record<string, string> = {
    Edg: "Edge",
    OPR: "Opera",
    HeadlessChrome: "Chrome",
    CriOS: "Chrome",
    FxiOS: "Firefox",
  };
  let browserLabel: string | null = null;
  if (browser && browser.length === 3) browserLabel = `${names[browser[1]!] ?? browser[1]} ${browser[2]}`;
  else if (browser) browserLabel = `Safari ${browser[1]}`;
  const os = /Windows|Android|iPhone|iPad|Mac OS X|CrOS|Linux/.exec(ua)?.[0] ?? null;
  const osNames: Record<string, string> = {
    "Mac OS X": "macOS",
    CrOS: "ChromeOS",
    iPhone: "iOS",
    iPad: "iOS",
  };
  return { browser: browserLabel, os: os ? (osNames[os] ?? os) : null };
}

/**
 * Reads a replay_event payload (already scrubbed with the project's settings). `fallbackId` is the
 * envelope header's event_id, which the SDK sets to the replay id.
 */
export function readReplayEvent(payload: unknown, fallbackId: unknown): ReplayFacts {
  const parsed = replayEventSchema.safeParse(payload);
  if (!parsed.success)
    throw new MalformedPayloadError("A replay_event item must be an object with a replay_id.");
  const e = parsed.data;
  const replayId = normalizeReplayId(e.replay_id) ?? normalizeReplayId(fallbackId);
  if (replayId === null) throw new MalformedPayloadError("A replay_event's replay_id must be 32 hex digits.");
  const user = e.user;
  const userLabel = user
    ? String(user.id ?? "") || user.email || user.username || user.ip_address || null
    : null;
  const ua = e.request?.headers?.["User-Agent"] ?? e.request?.headers?.["user-agent"];
  const fromUa = typeof ua === "string" ? browserOfUserAgent(ua) : { browser: null, os: null };
  const unique = (list: string[], max: number, length: number) =>
    [...new Set(list.map((s) => s.slice(0, length)))].slice(0, max);
  return {
    replayId,
    segmentId: e.segment_id ?? null,
    replayType: e.replay_type ?? "session",
    startedAt: seconds(e.replay_start_timestamp),
    timestamp: seconds(e.timestamp),
    urls: unique(e.urls, 50, 2000),
    errorIds: unique(
      e.error_ids.map((id) => normalizeReplayId(id) ?? id),
      100,
      64,
    ),
    traceIds: unique(e.trace_ids, 100, 64),
    release: e.release ?? null,
    environment: e.environment ?? null,
    platform: e.platform ?? "javascript",
    userLabel: userLabel ? userLabel.slice(0, 200) : null,
    browser: nameVersion(e.contexts?.browser) ?? fromUa.browser,
    os: nameVersion(e.contexts?.os) ?? fromUa.os,
  };
}
