import type { Database } from "@pier/db";
import { and, asc, desc, eq, gt, lt } from "drizzle-orm";
import { errorTables, runWrites } from "../store/tables.ts";
import { type RrwebEvent, storedRecording } from "./recording.ts";
import type { ReplayFacts } from "./replay-event.ts";
import { type IncomingSegment, type ReplayRow, replayRowAfter } from "./replay-row.ts";

export type SegmentOutcome = "stored" | "duplicate" | "too_large";

/** The tag the browser SDK puts on every error event of a recorded session. */
export const REPLAY_TAG = "replayId";

export interface StoredSegment {
  segmentId: number;
  receivedAt: number;
  events: RrwebEvent[];
}

/** Replays and their segments, in the control-plane database (SQLite or PostgreSQL). */
export function createReplayStore(database: Database) {
  const t = errorTables(database);
  const { db } = database;
  const r = t.errorReplays;
  const s = t.errorReplaySegments;
  const tags = t.errorIssueTags;
  const issues = t.errorIssues;
  const byId = (projectId: number, replayId: string) =>
    and(eq(r.projectId, projectId), eq(r.replayId, replayId));

  async function get(projectId: number, replayId: string): Promise<ReplayRow | null> {
    const [row] = await db.select().from(r).where(byId(projectId, replayId)).limit(1);
    return row ?? null;
  }

  return {
    get,
    /**
     * Stores one segment unless the replay would pass `maxBytes` (then the replay is marked truncated)
     * or the SDK sent the same segment again after a lost answer.
     */
    async addSegment(
      projectId: number,
      facts: ReplayFacts,
      segment: IncomingSegment,
      receivedAt: number,
      maxBytes: number,
    ): Promise<SegmentOutcome> {
      const existing = await get(projectId, facts.replayId);
      if (existing) {
        const [dup] = await db
          .select({ id: s.segmentId })
          .from(s)
          .where(
            and(
              eq(s.projectId, projectId),
              eq(s.replayId, facts.replayId),
              eq(s.segmentId, segment.segmentId),
            ),
          )
          .limit(1);
        if (dup) return "duplicate";
      }
      if ((existing?.bytes ?? 0) + segment.payload.byteLength > maxBytes) {
        if (existing && !existing.truncated)
          await db.update(r).set({ truncated: true }).where(byId(projectId, facts.replayId));
        return "too_large";
      }
      const row = replayRowAfter(existing, projectId, facts, segment, receivedAt);
      const { projectId: _p, replayId: _r, ...changes } = row;
      await runWrites(database, [
        existing
          ? (tx) => tx.update(r).set(changes).where(byId(projectId, facts.replayId))
          : (tx) => tx.insert(r).values(row),
        (tx) =>
          tx
            .insert(s)
            .values({
              projectId,
              replayId: facts.replayId,
              segmentId: segment.segmentId,
              receivedAt: new Date(receivedAt),
              encoding: segment.encoding,
              payload: Buffer.from(segment.payload),
            })
            .onConflictDoNothing(),
      ]);
      return "stored";
    },
    /** A project's replays, newest first; `before` (a startedAt, epoch ms) pages back. */
    async list(projectId: number, limit: number, before?: number): Promise<ReplayRow[]> {
      const where =
        before === undefined
          ? eq(r.projectId, projectId)
          : and(eq(r.projectId, projectId), lt(r.startedAt, new Date(before)));
      return db.select().from(r).where(where).orderBy(desc(r.startedAt)).limit(limit);
    },
    /** Replays in which an event of the issue happened (its events' `replayId` tag), newest first. */
    async listForIssue(projectId: number, issueId: string, limit: number): Promise<ReplayRow[]> {
      const rows = await db
        .select({ replay: r })
        .from(tags)
        .innerJoin(r, and(eq(r.projectId, projectId), eq(r.replayId, tags.value)))
        .where(and(eq(tags.issueId, issueId), eq(tags.key, REPLAY_TAG)))
        .orderBy(desc(r.startedAt))
        .limit(limit);
      return rows.map((row) => row.replay);
    },
    /** The issues with an event in this replay. */
    async issuesOf(projectId: number, replayId: string) {
      return db
        .select({ id: issues.id, title: issues.title, level: issues.level, count: tags.count })
        .from(tags)
        .innerJoin(issues, eq(issues.id, tags.issueId))
        .where(and(eq(tags.key, REPLAY_TAG), eq(tags.value, replayId), eq(issues.projectId, projectId)))
        .orderBy(asc(issues.firstSeen))
        .limit(100);
    },
    /**
     * Segments after `after`, in order, until about `budgetBytes` of stored bytes (at least one):
     * a long replay is read in pages rather than one huge answer. `next` is the cursor, or null.
     */
    async segments(projectId: number, replayId: string, after: number, budgetBytes: number) {
      const rows = await db
        .select({
          segmentId: s.segmentId,
          receivedAt: s.receivedAt,
          encoding: s.encoding,
          payload: s.payload,
        })
        .from(s)
        .where(and(eq(s.projectId, projectId), eq(s.replayId, replayId), gt(s.segmentId, after)))
        .orderBy(asc(s.segmentId))
        .limit(500);
      const out: StoredSegment[] = [];
      let used = 0;
      let next: number | null = null;
      for (const row of rows) {
        if (out.length > 0 && used + row.payload.byteLength > budgetBytes) {
          next = out[out.length - 1]!.segmentId;
          break;
        }
        used += row.payload.byteLength;
        out.push({
          segmentId: row.segmentId,
          receivedAt: row.receivedAt.getTime(),
          events: storedRecording(row.encoding, row.payload),
        });
      }
      if (next === null && rows.length === 500) next = out[out.length - 1]!.segmentId;
      return { segments: out, next };
    },
    async delete(projectId: number, replayId: string): Promise<boolean> {
      const deleted = await db.delete(r).where(byId(projectId, replayId)).returning({ id: r.replayId });
      return deleted.length > 0;
    },
    /** Retention: replays whose last segment arrived before the cutoff, with their segments. */
    async purgeBefore(cutoffMs: number): Promise<void> {
      await db.delete(r).where(lt(r.lastReceivedAt, new Date(cutoffMs)));
    },
  };
}

export type ReplayStore = ReturnType<typeof createReplayStore>;
