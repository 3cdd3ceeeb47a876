import { Database } from "bun:sqlite";
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

/**
 * Spans live in their own SQLite file (`<data-dir>/traces.db`), as analytics events do: ingest
 * writes constantly and must not hold the control plane's write lock, and the file can be deleted
 * or moved on its own. Keyed by (trace, project, span): a trace reads as one range, an exporter's
 * retry replaces rather than duplicates, and a project's key (public: it ships in browsers) cannot
 * replace another project's span by sending the same trace and span id (trace ids are not secret).
 *
 * `project_spans` replaced `spans`, keyed by (trace, span) alone. Schemas only grow across a
 * release (docs/architecture.md, "Upgrades"): the old table stays for the release still serving
 * during a hand-over, and its rows move over at open and with each retention sweep.
 */
const ddl = [
  `CREATE TABLE IF NOT EXISTS project_spans (
    trace_id TEXT NOT NULL, span_id TEXT NOT NULL, parent_span_id TEXT,
    project_id INTEGER NOT NULL, app_id TEXT, service TEXT NOT NULL, name TEXT NOT NULL,
    kind TEXT NOT NULL, route TEXT NOT NULL, status TEXT NOT NULL, status_message TEXT,
    start_us INTEGER NOT NULL, duration_us INTEGER NOT NULL, entry INTEGER NOT NULL,
    attributes TEXT NOT NULL, events TEXT NOT NULL, source TEXT NOT NULL,
    PRIMARY KEY (trace_id, project_id, span_id)) WITHOUT ROWID`,
  "CREATE INDEX IF NOT EXISTS project_spans_entry_start ON project_spans (entry, start_us)",
  "CREATE INDEX IF NOT EXISTS project_spans_app_entry_start ON project_spans (app_id, entry, start_us)",
  "CREATE INDEX IF NOT EXISTS project_spans_start ON project_spans (start_us)",
  `CREATE TABLE IF NOT EXISTS error_links (
    trace_id TEXT NOT NULL, event_id TEXT NOT NULL, span_id TEXT, project_id INTEGER NOT NULL,
    received_us INTEGER NOT NULL, PRIMARY KEY (trace_id, event_id)) WITHOUT ROWID`,
];

const spanColumns = `trace_id, span_id, parent_span_id, project_id, app_id, service, name, kind, route,
  status, status_message, start_us, duration_us, entry, attributes, events, source`;

/** Moves the rows of the old `spans` table (see `ddl`) into `project_spans`; how many moved. */
export function moveLegacySpans(db: Database): number {
  const legacy = db.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'spans'").get();
  if (!legacy) return 0;
  return db.transaction(() => {
    db.run(`INSERT OR IGNORE INTO project_spans (${spanColumns}) SELECT ${spanColumns} FROM spans`);
    return db.run("DELETE FROM spans").changes;
  })();
}

type Row = {
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  project_id: number;
  app_id: string | null;
  service: string;
  name: string;
  kind: string;
  route: string;
  status: string;
  status_message: string | null;
  start_us: number;
  duration_us: number;
  entry: number;
  attributes: string;
  events: string;
  source: string;
};

export function spanOfRow(row: Row): StoredSpan {
  return {
    traceId: row.trace_id,
    spanId: row.span_id,
    parentSpanId: row.parent_span_id,
    projectId: row.project_id,
    appId: row.app_id,
    service: row.service,
    name: row.name,
    kind: row.kind as StoredSpan["kind"],
    route: row.route,
    status: row.status as StoredSpan["status"],
    statusMessage: row.status_message,
    startUs: row.start_us,
    durationUs: row.duration_us,
    entry: row.entry === 1,
    // Written by this store from records: trusted JSON.
    attributes: JSON.parse(row.attributes),
    events: JSON.parse(row.events),
    source: row.source as StoredSpan["source"],
  };
}

type Param = string | number | null;

/** The spans of one project or app: a trace may cross projects (services calling each other). */
function scopeWhere(scope: TraceScope, where: string[], params: Param[]): void {
  if (scope.appId !== undefined) {
    where.push("app_id = ?");
    params.push(scope.appId);
  }
  if (scope.projectId !== undefined) {
    where.push("project_id = ?");
    params.push(scope.projectId);
  }
}

/** WHERE clauses shared by the list and the samples: the owner, the service, the time range. */
function ownerWhere(
  filter: {
    appId?: string;
    projectId?: number;
    service?: string;
    route?: string;
    fromUs: number;
    toUs?: number;
  },
  where: string[],
  params: Param[],
): void {
  scopeWhere(filter, where, params);
  if (filter.service !== undefined) {
    where.push("service = ?");
    params.push(filter.service);
  }
  if (filter.route !== undefined) {
    where.push("route = ?");
    params.push(filter.route);
  }
  where.push("start_us >= ?");
  params.push(filter.fromUs);
  if (filter.toUs !== undefined) {
    where.push("start_us < ?");
    params.push(filter.toUs);
  }
}

export class SqliteTraceStore implements TraceStore {
  readonly kind = "sqlite";
  readonly db: Database;
  private readonly insertSpan;

  constructor(path: string) {
    this.db = new Database(path, { create: true, strict: true });
    this.db.run("PRAGMA journal_mode = WAL");
    this.db.run("PRAGMA synchronous = NORMAL");
    this.db.run("PRAGMA busy_timeout = 5000");
    for (const statement of ddl) this.db.run(statement);
    moveLegacySpans(this.db);
    this.insertSpan = this.db.prepare(
      `INSERT OR REPLACE INTO project_spans (${spanColumns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  async insert(spans: SpanRecord[], owner: SpanOwner): Promise<void> {
    this.db.transaction(() => {
      for (const s of spans) {
        this.insertSpan.run(
          s.traceId,
          s.spanId,
          s.parentSpanId,
          owner.projectId,
          owner.appId,
          s.service,
          s.name,
          s.kind,
          s.route,
          s.status,
          s.statusMessage,
          s.startUs,
          s.durationUs,
          s.entry ? 1 : 0,
          JSON.stringify(s.attributes),
          JSON.stringify(s.events),
          s.source,
        );
      }
    })();
  }

  async list(filter: TraceFilter): Promise<{ spans: StoredSpan[]; total: number }> {
    const where = ["entry = 1"];
    const params: Param[] = [];
    ownerWhere(filter, where, params);
    if (filter.status !== undefined) {
      where.push("status = ?");
      params.push(filter.status);
    }
    if (filter.minDurationUs !== undefined) {
      where.push("duration_us >= ?");
      params.push(filter.minDurationUs);
    }
    if (filter.maxDurationUs !== undefined) {
      where.push("duration_us <= ?");
      params.push(filter.maxDurationUs);
    }
    const clause = where.join(" AND ");
    const order = filter.sort === "slowest" ? "duration_us DESC" : "start_us DESC";
    const rows = this.db
      .query<Row, Param[]>(`SELECT * FROM project_spans WHERE ${clause} ORDER BY ${order} LIMIT ? OFFSET ?`)
      .all(...params, filter.limit, filter.offset);
    const total = this.db
      .query<{ n: number }, Param[]>(`SELECT count(*) AS n FROM project_spans WHERE ${clause}`)
      .get(...params);
    return { spans: rows.map(spanOfRow), total: total?.n ?? 0 };
  }

  async trace(traceId: string, scope: TraceScope = {}): Promise<StoredSpan[]> {
    const where = ["trace_id = ?"];
    const params: Param[] = [traceId];
    scopeWhere(scope, where, params);
    return this.db
      .query<Row, Param[]>(
        `SELECT * FROM project_spans WHERE ${where.join(" AND ")} ORDER BY start_us, span_id`,
      )
      .all(...params)
      .map(spanOfRow);
  }

  async samples(filter: RouteSampleFilter): Promise<RouteSample[]> {
    const where = ["entry = 1"];
    const params: Param[] = [];
    ownerWhere(filter, where, params);
    return this.db
      .query<
        { service: string; route: string; start_us: number; duration_us: number; status: string },
        Param[]
      >(
        `SELECT service, route, start_us, duration_us, status FROM project_spans WHERE ${where.join(" AND ")}
         ORDER BY start_us DESC LIMIT ?`,
      )
      .all(...params, filter.limit)
      .map((row) => ({
        service: row.service,
        route: row.route,
        startUs: row.start_us,
        durationUs: row.duration_us,
        error: row.status === "error",
      }));
  }

  async services(filter: { appId?: string; projectId?: number; fromUs: number }): Promise<string[]> {
    const where = ["entry = 1"];
    const params: Param[] = [];
    ownerWhere(filter, where, params);
    return this.db
      .query<{ service: string }, Param[]>(
        `SELECT DISTINCT service FROM project_spans WHERE ${where.join(" AND ")} ORDER BY service`,
      )
      .all(...params)
      .map((row) => row.service);
  }

  async linkErrors(links: ErrorLink[]): Promise<void> {
    const insert = this.db.prepare("INSERT OR IGNORE INTO error_links VALUES (?, ?, ?, ?, ?)");
    this.db.transaction(() => {
      for (const l of links) insert.run(l.traceId, l.eventId, l.spanId, l.projectId, l.receivedUs);
    })();
  }

  async errorsOf(traceId: string, scope: { projectIds?: number[] } = {}): Promise<ErrorLink[]> {
    const where = ["trace_id = ?"];
    const params: Param[] = [traceId];
    if (scope.projectIds !== undefined) {
      where.push(`project_id IN (${scope.projectIds.map(() => "?").join(", ") || "NULL"})`);
      params.push(...scope.projectIds);
    }
    return this.db
      .query<
        {
          trace_id: string;
          event_id: string;
          span_id: string | null;
          project_id: number;
          received_us: number;
        },
        Param[]
      >(`SELECT * FROM error_links WHERE ${where.join(" AND ")} ORDER BY received_us`)
      .all(...params)
      .map((r) => ({
        traceId: r.trace_id,
        eventId: r.event_id,
        spanId: r.span_id,
        projectId: r.project_id,
        receivedUs: r.received_us,
      }));
  }

  async purgeBefore(cutoffUs: number): Promise<number> {
    // Spans the previous release wrote during a hand-over, after this one's start.
    moveLegacySpans(this.db);
    this.db.run("DELETE FROM error_links WHERE received_us < ?", [cutoffUs]);
    return this.db.run("DELETE FROM project_spans WHERE start_us < ?", [cutoffUs]).changes;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
