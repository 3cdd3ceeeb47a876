import { int, openClickHouse, quote, selectRows } from "@pier/clickhouse";
import type { EventStore, EventSummary, HistogramBucket, StoredEvent, StoredPayload } from "./event-store.ts";

// Written for ClickHouse 18.16 (Debian's package): no query parameters, no DateTime64, no TTL.
// Values are therefore inlined with quote()/int() and times are UInt64 epoch ms.
const decoder = new TextDecoder();

export interface ClickHouseEventStoreOptions {
  url: string;
  database?: string;
}

/** Occurrences in ClickHouse (columns compressed by the engine); issues stay in the SQL database. */
export async function createClickHouseEventStore(options: ClickHouseEventStoreOptions): Promise<EventStore> {
  const { client, database } = await openClickHouse(options.url, {
    database: options.database,
    fallback: "unset PIER_CLICKHOUSE_URL to keep error events in the SQL database",
    schema: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.error_events (
        project_id UInt32, event_id String, issue_id String, received_at UInt64,
        level String, release String, environment String, payload String
      ) ENGINE = MergeTree() PARTITION BY toYYYYMM(toDate(intDiv(received_at, 1000)))
        ORDER BY (issue_id, received_at)`,
    ],
  });
  const table = `${database}.error_events`;

  const rows = <T>(query: string) => selectRows<T>(client, query);
  const first = async (where: string): Promise<StoredPayload | null> => {
    const found = await rows<{ event_id: string; issue_id: string; received_at: string; payload: string }>(
      `SELECT event_id, issue_id, received_at, payload FROM ${table} WHERE ${where} ORDER BY received_at DESC LIMIT 1`,
    );
    const row = found[0];
    return row
      ? {
          eventId: row.event_id,
          issueId: row.issue_id,
          receivedAt: Number(row.received_at),
          json: row.payload,
        }
      : null;
  };

  return {
    kind: "clickhouse",
    transactionalWrites: () => [],
    async storedIds(keys): Promise<Set<string>> {
      const found = new Set<string>();
      if (keys.length === 0) return found;
      // Retries come within minutes; the window keeps this to the newest partition or two, since
      // event_id is not in the sort key.
      const since = Date.now() - 2 * 86_400_000;
      const list = keys.map((k) => `(${int(k.projectId)}, ${quote(k.eventId)})`).join(", ");
      const hits = await rows<{ project_id: string; event_id: string }>(
        `SELECT project_id, event_id FROM ${table} WHERE received_at >= ${int(since)} AND (project_id, event_id) IN (${list})`,
      );
      for (const row of hits) found.add(`${Number(row.project_id)}:${row.event_id}`);
      return found;
    },
    async afterCommit(events: StoredEvent[]) {
      if (events.length === 0) return;
      await client.insert({
        table,
        format: "JSONEachRow",
        values: events.map((e) => ({
          project_id: e.projectId,
          event_id: e.eventId,
          issue_id: e.issueId,
          received_at: e.receivedAt,
          level: e.level,
          release: e.release ?? "",
          environment: e.environment ?? "",
          payload: decoder.decode(e.payload),
        })),
      });
    },
    get: (projectId, eventId) => first(`project_id = ${int(projectId)} AND event_id = ${quote(eventId)}`),
    latest: (issueId) => first(`issue_id = ${quote(issueId)}`),
    async list(issueId, limit, beforeMs): Promise<EventSummary[]> {
      const before = beforeMs === undefined ? "" : ` AND received_at < ${int(beforeMs)}`;
      const found = await rows<Record<string, string>>(
        `SELECT event_id, issue_id, received_at, level, release, environment FROM ${table}
         WHERE issue_id = ${quote(issueId)}${before} ORDER BY received_at DESC LIMIT ${int(limit)}`,
      );
      return found.map((r) => ({
        eventId: r.event_id!,
        issueId: r.issue_id!,
        receivedAt: Number(r.received_at),
        level: r.level!,
        release: r.release || null,
        environment: r.environment || null,
      }));
    },
    async histogram(issueId, sinceMs, bucketMs): Promise<HistogramBucket[]> {
      const found = await rows<{ start: string; count: string }>(
        `SELECT intDiv(received_at, ${int(bucketMs)}) * ${int(bucketMs)} AS start, count() AS count FROM ${table}
         WHERE issue_id = ${quote(issueId)} AND received_at >= ${int(sinceMs)} GROUP BY start ORDER BY start`,
      );
      return found.map((r) => ({ start: Number(r.start), count: Number(r.count) }));
    },
    async countsByProject(sinceMs): Promise<Map<number, number>> {
      const found = await rows<{ project_id: string; count: string }>(
        `SELECT project_id, count() AS count FROM ${table} WHERE received_at >= ${int(sinceMs)} GROUP BY project_id`,
      );
      return new Map(found.map((r) => [Number(r.project_id), Number(r.count)]));
    },
    async deleteIssue(issueId) {
      await client.command({ query: `ALTER TABLE ${table} DELETE WHERE issue_id = ${quote(issueId)}` });
    },
    async deleteProject(projectId) {
      await client.command({ query: `ALTER TABLE ${table} DELETE WHERE project_id = ${int(projectId)}` });
    },
    async purgeBefore(cutoffMs) {
      await client.command({ query: `ALTER TABLE ${table} DELETE WHERE received_at < ${int(cutoffMs)}` });
    },
    close: () => client.close(),
  };
}
