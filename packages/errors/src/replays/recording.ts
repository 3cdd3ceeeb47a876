import { inflateSync } from "node:zlib";
import { z } from "zod";
import { MalformedPayloadError, PayloadTooLargeError } from "../ingest/errors.ts";

const NEWLINE = 10;
const decoder = new TextDecoder();

const segmentHeaderSchema = z.looseObject({ segment_id: z.number().int().min(0).max(1_000_000) });

/**
 * What the player needs of each rrweb event: its kind and time. The rest (DOM snapshots, mutations,
 * Sentry's custom breadcrumb events) passes through as the SDK recorded it.
 */
export const rrwebEventSchema = z.looseObject({ type: z.number().int(), timestamp: z.number() });
const recordingSchema = z.array(rrwebEventSchema);
export type RrwebEvent = z.infer<typeof rrwebEventSchema>;

/**
 * rrweb times are epoch ms, but the Sentry SDK adds custom events (breadcrumbs, spans) whose
 * timestamps may be in seconds; it tells them apart the same way (timestampToMs in @sentry/replay).
 */
export function timestampMs(timestamp: number): number {
  return timestamp > 9_999_999_999 ? timestamp : timestamp * 1000;
}

export interface ParsedRecording {
  segmentId: number;
  /** The recording as stored: the SDK's zlib bytes, or the plain JSON to be compressed. */
  encoding: "zlib" | "plain";
  body: Uint8Array;
  /** First and last rrweb event of the segment, epoch ms (null for an empty segment). */
  startedAt: number | null;
  endedAt: number | null;
  events: number;
}

/** zlib streams start with 0x78 (deflate, 32K window); a JSON recording starts with `[`. */
function isZlib(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x78 && ((bytes[0] << 8) | bytes[1]!) % 31 === 0;
}

/**
 * A `replay_recording` item: a JSON header line `{"segment_id":N}`, then the segment's rrweb events
 * as a JSON array, zlib-compressed by the SDK's compression worker or plain when the worker could not
 * start. The whole recording is inflated (at most `maxDecodedBytes`) and checked here, so what is
 * stored always plays; the compressed bytes are what is kept.
 */
export function parseRecording(payload: Uint8Array, maxDecodedBytes: number): ParsedRecording {
  const headerEnd = payload.indexOf(NEWLINE);
  if (headerEnd === -1)
    throw new MalformedPayloadError('A replay_recording item starts with a {"segment_id":N} line.');
  let header: unknown;
  try {
    header = JSON.parse(decoder.decode(payload.subarray(0, headerEnd)));
  } catch {
    throw new MalformedPayloadError("The replay_recording header line is not valid JSON.");
  }
  const parsedHeader = segmentHeaderSchema.safeParse(header);
  if (!parsedHeader.success)
    throw new MalformedPayloadError("The replay_recording header needs a numeric segment_id.");
  const body = payload.subarray(headerEnd + 1);
  const zlib = isZlib(body);
  let json = body;
  if (zlib) {
    try {
      json = inflateSync(body, { maxOutputLength: maxDecodedBytes });
    } catch (error) {
      if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE")
        throw new PayloadTooLargeError("replay recording (decompressed)", maxDecodedBytes);
      throw new MalformedPayloadError("The replay recording is not valid zlib data.");
    }
  } else if (body.length > maxDecodedBytes) {
    throw new PayloadTooLargeError("replay recording", maxDecodedBytes);
  }
  let events: unknown;
  try {
    events = JSON.parse(decoder.decode(json));
  } catch {
    throw new MalformedPayloadError("The replay recording is not a JSON array of rrweb events.");
  }
  const parsed = recordingSchema.safeParse(events);
  if (!parsed.success)
    throw new MalformedPayloadError(
      "The replay recording must be a JSON array of rrweb events (objects with type and timestamp).",
    );
  let startedAt: number | null = null;
  let endedAt: number | null = null;
  for (const event of parsed.data) {
    const at = timestampMs(event.timestamp);
    if (startedAt === null || at < startedAt) startedAt = at;
    if (endedAt === null || at > endedAt) endedAt = at;
  }
  return {
    segmentId: parsedHeader.data.segment_id,
    encoding: zlib ? "zlib" : "plain",
    body,
    startedAt,
    endedAt,
    events: parsed.data.length,
  };
}

/**
 * A stored segment back to its rrweb events (checked when it arrived; checked again, it is JSON.parse),
 * every timestamp in ms so a player can order and time them.
 */
export function storedRecording(encoding: "zlib" | "zstd", payload: Uint8Array): RrwebEvent[] {
  const text = decoder.decode(encoding === "zlib" ? inflateSync(payload) : Bun.zstdDecompressSync(payload));
  const events = recordingSchema.parse(JSON.parse(text));
  for (const event of events) event.timestamp = timestampMs(event.timestamp);
  return events;
}
