import type { ErrorTables } from "../store/tables.ts";
import type { ReplayFacts } from "./replay-event.ts";

export type ReplayRow = ErrorTables["errorReplays"]["$inferSelect"];

/** One segment as it arrives, its rrweb events already checked (recording.ts). */
export interface IncomingSegment {
  segmentId: number;
  encoding: "zlib" | "zstd";
  payload: Uint8Array;
  startedAt: number | null;
  endedAt: number | null;
}

const merged = (a: string[], b: string[], max: number) => [...new Set([...a, ...b])].slice(0, max);
const min = (a: number, b: number | null) => (b === null ? a : Math.min(a, b));
const max = (a: number, b: number | null) => (b === null ? a : Math.max(a, b));

/**
 * The replay's row after one more segment: times widen to cover it, lists (urls, error and trace ids)
 * gain what is new, and the latest segment's release, environment and user win over older ones.
 */
export function replayRowAfter(
  existing: ReplayRow | null,
  projectId: number,
  facts: ReplayFacts,
  segment: IncomingSegment,
  receivedAt: number,
): ReplayRow {
  const start = min(
    min(segment.startedAt ?? receivedAt, facts.startedAt),
    existing?.startedAt.getTime() ?? null,
  );
  const end = max(max(segment.endedAt ?? start, facts.timestamp), existing?.endedAt.getTime() ?? null);
  return {
    projectId,
    replayId: facts.replayId,
    startedAt: new Date(start),
    endedAt: new Date(Math.max(start, end)),
    lastReceivedAt: new Date(receivedAt),
    // A buffered replay turns into a session replay once an error sent it: the first type tells how it began.
    replayType: existing?.replayType ?? facts.replayType,
    segments: (existing?.segments ?? 0) + 1,
    bytes: (existing?.bytes ?? 0) + segment.payload.byteLength,
    truncated: existing?.truncated ?? false,
    release: facts.release ?? existing?.release ?? null,
    environment: facts.environment ?? existing?.environment ?? null,
    platform: facts.platform,
    userLabel: facts.userLabel ?? existing?.userLabel ?? null,
    browser: facts.browser ?? existing?.browser ?? null,
    os: facts.os ?? existing?.os ?? null,
    urls: merged(existing?.urls ?? [], facts.urls, 50),
    errorIds: merged(existing?.errorIds ?? [], facts.errorIds, 100),
    traceIds: merged(existing?.traceIds ?? [], facts.traceIds, 100),
  };
}
