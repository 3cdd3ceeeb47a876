import type { Database as SqliteClient } from "bun:sqlite";
import type { Database } from "@pier/db";
import { and, desc, eq, gte, inArray, lt, sql } from "drizzle-orm";
import type { EventStore, EventSummary, HistogramBucket, StoredEvent, StoredPayload } from "./event-store.ts";
import { chunks, errorTables, type Write } from "./tables.ts";

const decoder = new TextDecoder();

// zstd at level 1: on SDK-sized events it is both faster and smaller than deflate at level 1
// (docs/performance.md, Measured while building), and compression is part of the per-event ingest cost.
function compress(json: Uint8Array): Buffer {
  return Buffer.from(Bun.zstdCompressSync(json, { level: 1 }));
}
function decompress(payload: Uint8Array): string {
  return decoder.decode(Bun.zstdDecompressSync(payload));
}

/** Events in the control-plane database (SQLite or PostgreSQL), compressed. */
export function createSqlEventStore(database: Database): EventStore {
  const t = errorTables(database);
  const { db } = database;
  const e = t.errorEvents;
  // Inlined (an integer), not bound: PostgreSQL only matches GROUP BY to the SELECT expression when
  // both are textually identical, and two bound parameters are not.
  const bucketOf = (bucketMs: number) => {
    const size = sql.raw(String(Math.max(1, Math.trunc(bucketMs))));
    return database.dialect === "postgres"
      ? sql<number>`(floor(extract(epoch from ${e.receivedAt}) * 1000 / ${size})::bigint * ${size})`
      : sql<number>`((${e.receivedAt} / ${size}) * ${size})`;
  };
  const stored = { eventId: e.eventId, issueId: e.issueId, receivedAt: e.receivedAt, payload: e.payload };
  const payloadOf = (row: {
    eventId: string;
    issueId: string;
    receivedAt: Date;
    payload: Uint8Array;
  }): StoredPayload => ({
    eventId: row.eventId,
    issueId: row.issueId,
    receivedAt: row.receivedAt.getTime(),
    json: decompress(row.payload),
  });
  const summary = {
    eventId: e.eventId,
    issueId: e.issueId,
    receivedAt: e.receivedAt,
    level: e.level,
    release: e.release,
    environment: e.environment,
  };

  // On SQLite the event rows skip drizzle's query builder: one cached prepared statement per row is
  // several times cheaper than building a 500-row VALUES list, and this is the per-event write.
  const insertSqlite = database.dialect === "sqlite" ? sqliteEventInserter(database) : null;
  // A primary-key lookup per event: cheaper on SQLite than building an IN list.
  const storedSqlite = database.dialect === "sqlite" ? sqliteStoredCheck(database) : null;

  return {
    kind: "sql",
    transactionalWrites(rows: StoredEvent[]): Write[] {
      if (insertSqlite) return [insertSqlite(rows)];
      const values = rows.map((row) => ({
        projectId: row.projectId,
        eventId: row.eventId,
        issueId: row.issueId,
        receivedAt: new Date(row.receivedAt),
        level: row.level,
        release: row.release,
        environment: row.environment,
        payload: compress(row.payload),
      }));
      return chunks(values, 500).map((part) => (tx) => tx.insert(e).values(part).onConflictDoNothing());
    },
    async storedIds(keys): Promise<Set<string>> {
      const found = new Set<string>();
      if (storedSqlite) {
        for (const { projectId, eventId } of keys)
          if (storedSqlite(projectId, eventId)) found.add(`${projectId}:${eventId}`);
        return found;
      }
      const byProject = new Map<number, string[]>();
      for (const { projectId, eventId } of keys) {
        const ids = byProject.get(projectId);
        if (ids) ids.push(eventId);
        else byProject.set(projectId, [eventId]);
      }
      for (const [projectId, ids] of byProject) {
        for (const part of chunks(ids, 500)) {
          const rows = await db
            .select({ eventId: e.eventId })
            .from(e)
            .where(and(eq(e.projectId, projectId), inArray(e.eventId, part)));
          for (const row of rows) found.add(`${projectId}:${row.eventId}`);
        }
      }
      return found;
    },
    afterCommit: async () => {},
    async get(projectId, eventId): Promise<StoredPayload | null> {
      const [row] = await db
        .select(stored)
        .from(e)
        .where(and(eq(e.projectId, projectId), eq(e.eventId, eventId)))
        .limit(1);
      return row ? payloadOf(row) : null;
    },
    async latest(issueId): Promise<StoredPayload | null> {
      const [row] = await db
        .select(stored)
        .from(e)
        .where(eq(e.issueId, issueId))
        .orderBy(desc(e.receivedAt))
        .limit(1);
      return row ? payloadOf(row) : null;
    },
    async list(issueId, limit, beforeMs): Promise<EventSummary[]> {
      const where =
        beforeMs === undefined
          ? eq(e.issueId, issueId)
          : and(eq(e.issueId, issueId), lt(e.receivedAt, new Date(beforeMs)));
      const rows = await db.select(summary).from(e).where(where).orderBy(desc(e.receivedAt)).limit(limit);
      return rows.map((r) => ({ ...r, receivedAt: r.receivedAt.getTime() }));
    },
    async histogram(issueId, sinceMs, bucketMs): Promise<HistogramBucket[]> {
      const bucket = bucketOf(bucketMs);
      const rows = await db
        .select({ start: bucket, count: sql<number>`count(*)` })
        .from(e)
        .where(and(eq(e.issueId, issueId), gte(e.receivedAt, new Date(sinceMs))))
        .groupBy(bucket)
        .orderBy(bucket);
      return rows.map((r) => ({ start: Number(r.start), count: Number(r.count) }));
    },
    async countsByProject(sinceMs): Promise<Map<number, number>> {
      const rows = await db
        .select({ projectId: e.projectId, count: sql<number>`count(*)` })
        .from(e)
        .where(gte(e.receivedAt, new Date(sinceMs)))
        .groupBy(e.projectId);
      return new Map(rows.map((r) => [Number(r.projectId), Number(r.count)]));
    },
    async deleteIssue(issueId) {
      await db.delete(e).where(eq(e.issueId, issueId));
    },
    async deleteProject(projectId) {
      await db.delete(e).where(eq(e.projectId, projectId));
    },
    async purgeBefore(cutoffMs) {
      await db.delete(e).where(lt(e.receivedAt, new Date(cutoffMs)));
    },
    close: async () => {},
  };
}

function sqliteEventInserter(database: Database): (rows: StoredEvent[]) => Write {
  const client = (database.db as unknown as { $client: SqliteClient }).$client;
  let statement: ReturnType<SqliteClient["prepare"]> | null = null;
  return (rows) => {
    const run = () => {
      statement ??= client.prepare(
        "INSERT OR IGNORE INTO error_events (project_id, event_id, issue_id, received_at, level, release, environment, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      );
      for (const row of rows) {
        statement.run(
          row.projectId,
          row.eventId,
          row.issueId,
          row.receivedAt,
          row.level,
          row.release,
          row.environment,
          compress(row.payload),
        );
      }
    };
    return { sqlite: run };
  };
}

function sqliteStoredCheck(database: Database): (projectId: number, eventId: string) => boolean {
  const client = (database.db as unknown as { $client: SqliteClient }).$client;
  let statement: ReturnType<SqliteClient["prepare"]> | null = null;
  return (projectId, eventId) => {
    statement ??= client.prepare("SELECT 1 FROM error_events WHERE project_id = ? AND event_id = ?");
    return statement.get(projectId, eventId) !== null;
  };
}
