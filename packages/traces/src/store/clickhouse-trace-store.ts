import { int, openClickHouse, quote, selectRows } from "@pier/clickhouse";
import type { SpanOwner, SpanRecord } from "../span.ts";
import type {
  ErrorLink,
  RouteSample,
  RouteSampleFilter,
  StoredSpan,
  TraceFilter,
  TraceScope,
  TraceStore,
} from "./trace-store.ts";

// Written for ClickHouse 18.16 (Debian's package): no query parameters, no DateTime64, no TTL.
// Values are inlined with quote()/int(); times are UInt64 epoch microseconds.

export interface ClickHouseTraceStoreOptions {
  url: string;
  database?: string;
}

type Row = Record<string, string>;

function spanOfRow(row: Row): StoredSpan {
  return {
    traceId: row.trace_id!,
    spanId: row.span_id!,
    parentSpanId: row.parent_span_id || null,
    projectId: Number(row.project_id),
    appId: row.app_id || null,
    service: row.service!,
    name: row.name!,
    kind: row.kind as StoredSpan["kind"],
    route: row.route!,
    status: row.status as StoredSpan["status"],
    statusMessage: row.status_message || null,
    startUs: Number(row.start_us),
    durationUs: Number(row.duration_us),
    entry: Number(row.entry) === 1,
    // Written by this store from records: trusted JSON.
    attributes: JSON.parse(row.attributes!),
    events: JSON.parse(row.events!),
    source: row.source as StoredSpan["source"],
  };
}

function ownerWhere(filter: {
  appId?: string;
  projectId?: number;
  service?: string;
  route?: string;
  fromUs: number;
  toUs?: number;
}): string[] {
  const where = [`start_us >= ${int(filter.fromUs)}`];
  if (filter.toUs !== undefined) where.push(`start_us < ${int(filter.toUs)}`);
  where.push(...scopeWhere(filter));
  if (filter.service !== undefined) where.push(`service = ${quote(filter.service)}`);
  if (filter.route !== undefined) where.push(`route = ${quote(filter.route)}`);
  return where;
}

/** Whose spans: app and project, for a trace read (no time range). */
function scopeWhere(scope: TraceScope): string[] {
  const where: string[] = [];
  if (scope.appId !== undefined) where.push(`app_id = ${quote(scope.appId)}`);
  if (scope.projectId !== undefined) where.push(`project_id = ${int(scope.projectId)}`);
  return where;
}

/**
 * Spans in ClickHouse when PIER_CLICKHOUSE_URL is set. Ordered by (entry, start): the list and the
 * percentiles read entry spans of a time range. An exporter's retry may store a span twice until a
 * merge; reads of a trace keep one row per project and span id.
 *
 * The project is part of the ReplacingMergeTree's key, so a merge never folds one project's span
 * into another's that has the same trace and span id (their keys are public). It replaced
 * `trace_spans`, whose key had no project: schemas only grow across a release, so that table stays
 * for the release still serving during a hand-over, and its rows move over at open and with each
 * retention sweep.
 */
export async function createClickHouseTraceStore(options: ClickHouseTraceStoreOptions): Promise<TraceStore> {
  const { client, database } = await openClickHouse(options.url, {
    database: options.database,
    fallback: "unset PIER_CLICKHOUSE_URL to keep traces in traces.db",
    schema: (db) => [
      `CREATE TABLE IF NOT EXISTS ${db}.trace_spans (
        trace_id String, span_id String, parent_span_id String, project_id UInt32, app_id String,
        service String, name String, kind String, route String, status String, status_message String,
        start_us UInt64, duration_us UInt64, entry UInt8, attributes String, events String, source String
      ) ENGINE = ReplacingMergeTree() PARTITION BY toYYYYMM(toDate(intDiv(start_us, 1000000)))
        ORDER BY (entry, start_us, trace_id, span_id)`,
      `CREATE TABLE IF NOT EXISTS ${db}.trace_project_spans (
        trace_id String, span_id String, parent_span_id String, project_id UInt32, app_id String,
        service String, name String, kind String, route String, status String, status_message String,
        start_us UInt64, duration_us UInt64, entry UInt8, attributes String, events String, source String
      ) ENGINE = ReplacingMergeTree() PARTITION BY toYYYYMM(toDate(intDiv(start_us, 1000000)))
        ORDER BY (entry, start_us, trace_id, project_id, span_id)`,
      `CREATE TABLE IF NOT EXISTS ${db}.trace_error_links (
        trace_id String, event_id String, span_id String, project_id UInt32, received_us UInt64
      ) ENGINE = ReplacingMergeTree() PARTITION BY toYYYYMM(toDate(intDiv(received_us, 1000000)))
        ORDER BY (trace_id, event_id)`,
    ],
  });
  const table = `${database}.trace_project_spans`;
  const rows = <T>(query: string) => selectRows<T>(client, query);
  async function moveLegacySpans(): Promise<void> {
    const [legacy] = await rows<{ n: string }>(`SELECT count() AS n FROM ${database}.trace_spans`);
    if (Number(legacy?.n ?? 0) === 0) return;
    // A span the previous release writes between these two statements is lost: only during the
    // seconds of the one hand-over that brings this table.
    await client.command({ query: `INSERT INTO ${table} SELECT * FROM ${database}.trace_spans` });
    await client.command({ query: `ALTER TABLE ${database}.trace_spans DELETE WHERE 1` });
  }
  await moveLegacySpans();

  return {
    kind: "clickhouse",
    async insert(spans: SpanRecord[], owner: SpanOwner) {
      await client.insert({
        table,
        format: "JSONEachRow",
        values: spans.map((s) => ({
          trace_id: s.traceId,
          span_id: s.spanId,
          parent_span_id: s.parentSpanId ?? "",
          project_id: owner.projectId,
          app_id: owner.appId ?? "",
          service: s.service,
          name: s.name,
          kind: s.kind,
          route: s.route,
          status: s.status,
          status_message: s.statusMessage ?? "",
          start_us: s.startUs,
          duration_us: s.durationUs,
          entry: s.entry ? 1 : 0,
          attributes: JSON.stringify(s.attributes),
          events: JSON.stringify(s.events),
          source: s.source,
        })),
      });
    },
    async list(filter: TraceFilter) {
      const where = ["entry = 1", ...ownerWhere(filter)];
      if (filter.status !== undefined) where.push(`status = ${quote(filter.status)}`);
      if (filter.minDurationUs !== undefined) where.push(`duration_us >= ${int(filter.minDurationUs)}`);
      if (filter.maxDurationUs !== undefined) where.push(`duration_us <= ${int(filter.maxDurationUs)}`);
      const clause = where.join(" AND ");
      const order = filter.sort === "slowest" ? "duration_us DESC" : "start_us DESC";
      const found = await rows<Row>(
        `SELECT * FROM ${table} WHERE ${clause} ORDER BY ${order} LIMIT ${int(filter.offset)}, ${int(filter.limit)}`,
      );
      const [count] = await rows<{ n: string }>(`SELECT count() AS n FROM ${table} WHERE ${clause}`);
      return { spans: found.map(spanOfRow), total: Number(count?.n ?? 0) };
    },
    async trace(traceId: string, scope: TraceScope = {}) {
      const where = [`trace_id = ${quote(traceId)}`, ...scopeWhere(scope)].join(" AND ");
      const found = await rows<Row>(
        `SELECT * FROM ${table} WHERE ${where} ORDER BY start_us, span_id LIMIT 1 BY project_id, span_id`,
      );
      return found.map(spanOfRow);
    },
    async samples(filter: RouteSampleFilter): Promise<RouteSample[]> {
      const found = await rows<Row>(
        `SELECT service, route, start_us, duration_us, status FROM ${table}
         WHERE entry = 1 AND ${ownerWhere(filter).join(" AND ")} ORDER BY start_us DESC LIMIT ${int(filter.limit)}`,
      );
      return found.map((r) => ({
        service: r.service!,
        route: r.route!,
        startUs: Number(r.start_us),
        durationUs: Number(r.duration_us),
        error: r.status === "error",
      }));
    },
    async services(filter) {
      const found = await rows<{ service: string }>(
        `SELECT DISTINCT service FROM ${table} WHERE entry = 1 AND ${ownerWhere(filter).join(" AND ")} ORDER BY service`,
      );
      return found.map((r) => r.service);
    },
    async linkErrors(links: ErrorLink[]) {
      await client.insert({
        table: `${database}.trace_error_links`,
        format: "JSONEachRow",
        values: links.map((l) => ({
          trace_id: l.traceId,
          event_id: l.eventId,
          span_id: l.spanId ?? "",
          project_id: l.projectId,
          received_us: l.receivedUs,
        })),
      });
    },
    async errorsOf(traceId: string, scope: { projectIds?: number[] } = {}) {
      const where = [`trace_id = ${quote(traceId)}`];
      if (scope.projectIds !== undefined)
        where.push(`project_id IN (${scope.projectIds.map(int).join(", ") || "NULL"})`);
      const found = await rows<Row>(
        `SELECT * FROM ${database}.trace_error_links WHERE ${where.join(" AND ")}
         ORDER BY received_us LIMIT 1 BY event_id`,
      );
      return found.map((r) => ({
        traceId: r.trace_id!,
        eventId: r.event_id!,
        spanId: r.span_id || null,
        projectId: Number(r.project_id),
        receivedUs: Number(r.received_us),
      }));
    },
    async purgeBefore(cutoffUs: number) {
      await moveLegacySpans();
      await client.command({
        query: `ALTER TABLE ${database}.trace_error_links DELETE WHERE received_us < ${int(cutoffUs)}`,
      });
      await client.command({ query: `ALTER TABLE ${table} DELETE WHERE start_us < ${int(cutoffUs)}` });
      return 0;
    },
    close: () => client.close(),
  };
}
