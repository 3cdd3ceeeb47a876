import type { PendingEvent } from "../ingest/event-writer.ts";
import { boundJsonDepth } from "./bound-depth.ts";
import { groupEvent, issueCulprit, issueTitle } from "./grouping.ts";
import { normalizeEvent, userKey } from "./normalize.ts";
import { readRawEvent } from "./read-event.ts";
import { type ScrubSettings, scrubEvent } from "./scrub.ts";

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** How one event is scrubbed: its project's settings and the client address for `{{auto}}`. */
export interface EventScrub {
  settings: ScrubSettings;
  clientIp: string | null;
}

/**
 * What the writer needs from one SDK event: the summary fields, the grouping, title and culprit.
 * Breadcrumbs, contexts and the like stay in `bytes` and are normalized when the event is read.
 * null when the payload is not an event object.
 */
export function prepareEvent(
  projectId: number,
  eventId: string,
  payload: unknown,
  bytes: Uint8Array,
  receivedAt: number,
  scrub?: EventScrub,
): PendingEvent | null {
  // Scrubbed before anything reads it, and stored scrubbed: the raw values never reach the disk.
  if (scrub && payload !== null && typeof payload === "object" && !Array.isArray(payload)) {
    if (scrubEvent(payload as Record<string, unknown>, scrub.settings, scrub.clientIp)) {
      bytes = encoder.encode(JSON.stringify(payload));
    }
  }
  const raw = readRawEvent(payload, { details: false });
  if (raw === null) return null;
  const event = normalizeEvent(raw, eventId, receivedAt, { details: false });
  const grouping = groupEvent(event);
  return {
    projectId,
    event: {
      eventId,
      receivedAt,
      level: noNul(event.level),
      platform: noNul(event.platform),
      release: noNul(event.release),
      environment: noNul(event.environment),
      serverName: noNul(event.serverName),
      tags: Object.fromEntries(Object.entries(event.tags).map(([k, v]) => [noNul(k), noNul(v)])),
    },
    grouping: { hash: grouping.hash, kind: grouping.kind },
    title: noNul(issueTitle(event)),
    culprit: noNul(issueCulprit(event)),
    userKey: noNul(userKey(event)),
    payload: bytes,
  };
}

/**
 * PostgreSQL text cannot hold NUL: one `"a\u0000b"` in an exception value failed the writer's whole
 * batch, and every good event in it was dropped. The payload keeps the NUL (stored as bytes).
 */
function noNul<T extends string | null | undefined>(value: T): T {
  return (
    typeof value === "string" && value.includes("\u0000") ? value.replaceAll("\u0000", "\uFFFD") : value
  ) as T;
}

/** The same from raw bytes; null when they are not a JSON event object. */
export function prepareEventBytes(
  projectId: number,
  eventId: string,
  bytes: Uint8Array,
  receivedAt: number,
  scrub?: EventScrub,
): PendingEvent | null {
  const parsed = parseEventBytes(bytes);
  if (parsed === null) return null;
  return prepareEvent(projectId, eventId, parsed.payload, parsed.bytes, receivedAt, scrub);
}

/**
 * An SDK payload parsed, with nesting past MAX_EVENT_DEPTH cut first (and stored cut: every reader
 * after this recurses); `bytes` are the ones to store. null when it is not JSON. `text` is `bytes`
 * decoded, for a caller that already has it.
 */
export function parseEventBytes(
  bytes: Uint8Array,
  text = decoder.decode(bytes),
): { payload: unknown; bytes: Uint8Array } | null {
  const bounded = boundJsonDepth(text);
  try {
    return { payload: JSON.parse(bounded), bytes: bounded === text ? bytes : encoder.encode(bounded) };
  } catch {
    return null;
  }
}

/** The cheap check the request path can afford when parsing happens elsewhere: does it open an object? */
export function looksLikeJsonObject(bytes: Uint8Array): boolean {
  for (const b of bytes) {
    if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) continue;
    return b === 0x7b;
  }
  return false;
}
