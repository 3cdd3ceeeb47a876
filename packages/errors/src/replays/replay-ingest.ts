import { isStorageFull } from "@pier/db";
import type { EnvelopeItem } from "../ingest/envelope.ts";
import { parseItemJson } from "../ingest/envelope.ts";
import { IngestStorageFullError, MalformedPayloadError } from "../ingest/errors.ts";
import type { IngestStats } from "../ingest/stats.ts";
import type { EventScrub } from "../process/prepare-event.ts";
import { scrubEvent } from "../process/scrub.ts";
import { parseRecording } from "./recording.ts";
import { normalizeReplayId, type ReplayFacts, readReplayEvent } from "./replay-event.ts";
import type { ReplayStore } from "./replay-store.ts";

export interface ReplayLimits {
  /** Recording bytes stored per replay (as sent, compressed); later segments are dropped. */
  maxBytesPerReplay: number;
  /** One segment's rrweb JSON after inflating. */
  maxDecodedBytes: number;
}

export const defaultReplayLimits: ReplayLimits = {
  maxBytesPerReplay: 20 * 1024 * 1024,
  // The browser SDK stops a segment at 20 MB of uncompressed events (REPLAY_MAX_EVENT_BUFFER_SIZE).
  maxDecodedBytes: 20 * 1024 * 1024,
};

export const isReplayItem = (type: string) => type === "replay_event" || type === "replay_recording";

/**
 * The replay items of one envelope (the browser SDK sends a `replay_event` and a `replay_recording`
 * together for every segment): checked, scrubbed like events, stored. Returns the replay id.
 * pier keeps what arrives: masking, blocking and sampling happen in the SDK before anything is sent.
 */
export function createReplayIngest(deps: {
  store: ReplayStore;
  stats: IngestStats;
  limits: ReplayLimits;
  now?: () => number;
}) {
  const now = deps.now ?? Date.now;
  return async function acceptReplay(
    projectId: number,
    items: EnvelopeItem[],
    headerEventId: unknown,
    scrub: EventScrub,
  ): Promise<string> {
    const eventItem = items.find((item) => item.type === "replay_event");
    const recordingItem = items.find((item) => item.type === "replay_recording");
    let facts: ReplayFacts;
    if (eventItem) {
      const payload = parseItemJson(eventItem);
      if (payload !== null && typeof payload === "object" && !Array.isArray(payload))
        scrubEvent(payload as Record<string, unknown>, scrub.settings, scrub.clientIp);
      facts = readReplayEvent(payload, headerEventId);
    } else {
      facts = readReplayEvent({ replay_id: normalizeReplayId(headerEventId) ?? "" }, headerEventId);
    }
    if (!recordingItem) {
      // Metadata without a recording has nothing to play.
      deps.stats.add(projectId, "dropped_replay_event");
      return facts.replayId;
    }
    const recording = parseRecording(recordingItem.payload, deps.limits.maxDecodedBytes);
    if (facts.segmentId !== null && facts.segmentId !== recording.segmentId)
      throw new MalformedPayloadError("The replay_event and replay_recording name different segments.");
    const outcome = await deps.store
      .addSegment(
        projectId,
        facts,
        {
          segmentId: recording.segmentId,
          // Plain JSON (the SDK's compression worker could not start) is compressed before it is kept.
          encoding: recording.encoding === "zlib" ? "zlib" : "zstd",
          payload:
            recording.encoding === "zlib"
              ? recording.body
              : Bun.zstdCompressSync(recording.body, { level: 3 }),
          startedAt: recording.startedAt,
          endedAt: recording.endedAt,
        },
        now(),
        deps.limits.maxBytesPerReplay,
      )
      .catch((error) => {
        // A full disk is a 503 with Retry-After, as for events: the SDK sends the segment again later.
        if (!isStorageFull(error)) throw error;
        deps.stats.add(projectId, "storage_full");
        throw new IngestStorageFullError();
      });
    deps.stats.add(projectId, outcome === "stored" ? "replay_segments" : `replay_${outcome}`);
    return facts.replayId;
  };
}

export type ReplayIngest = ReturnType<typeof createReplayIngest>;
