import { Database, type Statement } from "bun:sqlite";
import { levelOfRank, levelRank } from "../level.ts";
import type { LogRecord, StoredLogRecord } from "../log-record.ts";
import { type LogQuery, trigramPhrase } from "./log-query.ts";
import { searchStatement } from "./search-statement.ts";

/**
 * Log lines live in their own SQLite file (`<data-dir>/logs.db`), apart from the control plane:
 * a chatty app writes constantly, and a separate file keeps those writes off the control plane's
 * write lock and can be deleted on its own. Text search is an FTS5 index with the trigram
 * tokenizer over the line (external content, kept by triggers): any substring of three
 * characters or more is found through the index, case-insensitively, like `grep -i -F`.
 */
const ddl = [
  `CREATE TABLE IF NOT EXISTS log_lines (
    id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, app TEXT NOT NULL, env TEXT NOT NULL,
    release TEXT NOT NULL, replica TEXT NOT NULL, stream TEXT NOT NULL, level INTEGER,
    line TEXT NOT NULL, attrs TEXT)`,
  // (app) orders an app's lines by id, newest first without a sort; (app, ts) answers --since.
  "CREATE INDEX IF NOT EXISTS log_lines_app ON log_lines (app)",
  "CREATE INDEX IF NOT EXISTS log_lines_app_ts ON log_lines (app, ts)",
  "CREATE INDEX IF NOT EXISTS log_lines_ts ON log_lines (ts)",
  `CREATE VIRTUAL TABLE IF NOT EXISTS log_text USING fts5(
    line, content='log_lines', content_rowid='id', tokenize='trigram')`,
  // Merging index segments in bigger, rarer steps than the default 4 makes batched inserts faster
  // (docs/performance.md, Logs); a search reads a few more segments meanwhile.
  "INSERT INTO log_text (log_text, rank) VALUES ('automerge', 16)",
  `CREATE TRIGGER IF NOT EXISTS log_lines_ai AFTER INSERT ON log_lines BEGIN
    INSERT INTO log_text (rowid, line) VALUES (new.id, new.line); END`,
  `CREATE TRIGGER IF NOT EXISTS log_lines_ad AFTER DELETE ON log_lines BEGIN
    INSERT INTO log_text (log_text, rowid, line) VALUES ('delete', old.id, old.line); END`,
  // Where the collector stopped reading each container (Docker's RFC 3339 nanosecond timestamp,
  // normalised), written in the same transaction as the lines: a restart resumes after them.
  `CREATE TABLE IF NOT EXISTS log_cursors (
    container_id TEXT PRIMARY KEY, ts TEXT NOT NULL, updated_at INTEGER NOT NULL) WITHOUT ROWID`,
];

interface Row {
  id: number;
  ts: number;
  app: string;
  env: string;
  release: string;
  replica: string;
  stream: string;
  level: number | null;
  line: string;
  attrs: string | null;
}

export interface ContainerCursor {
  containerId: string;
  ts: string;
}

export class SqliteLogStore {
  readonly db: Database;
  private readonly insertLine: Statement;
  private readonly upsertCursor: Statement;
  private readonly listeners = new Set<() => void>();
  private readonly sinceBoundScan: number;

  /**
   * `sinceBoundScan`: up to how many of an app's recent lines a text search with `since` reads
   * from the (app, ts) index to bound its walk (about 6 ms for 100,000; docs/performance.md).
   */
  constructor(path: string, options: { sinceBoundScan?: number } = {}) {
    this.sinceBoundScan = options.sinceBoundScan ?? 100_000;
    this.db = new Database(path, { create: true });
    this.db.run("PRAGMA journal_mode = WAL");
    this.db.run("PRAGMA synchronous = NORMAL");
    this.db.run("PRAGMA busy_timeout = 5000");
    for (const statement of ddl) this.db.run(statement);
    this.insertLine = this.db.prepare(
      `INSERT INTO log_lines (ts, app, env, release, replica, stream, level, line, attrs)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.upsertCursor = this.db.prepare(
      `INSERT INTO log_cursors (container_id, ts, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (container_id) DO UPDATE SET ts = excluded.ts, updated_at = excluded.updated_at`,
    );
  }

  /** Stores lines and the collector's cursors in one transaction: both land, or neither does. */
  insert(records: readonly LogRecord[], cursors: readonly ContainerCursor[] = []): void {
    if (records.length === 0 && cursors.length === 0) return;
    const now = Date.now();
    this.db.transaction(() => {
      for (const r of records)
        this.insertLine.run(
          r.ts,
          r.app,
          r.env,
          r.release,
          r.replica,
          r.stream,
          r.level === null ? null : levelRank(r.level),
          r.line,
          r.attrs,
        );
      for (const c of cursors) this.upsertCursor.run(c.containerId, c.ts, now);
    })();
    if (records.length > 0) for (const listener of this.listeners) listener();
  }

  /** Called after each stored batch (live tails wake up on it). Returns the unsubscribe. */
  onInsert(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  cursors(): Map<string, string> {
    const rows = this.db.query("SELECT container_id, ts FROM log_cursors").all() as {
      container_id: string;
      ts: string;
    }[];
    return new Map(rows.map((r) => [r.container_id, r.ts]));
  }

  /** Forgets cursors of containers that no longer exist (they cannot be read again anyway). */
  dropCursors(keep: ReadonlySet<string>): void {
    for (const id of this.cursors().keys())
      if (!keep.has(id)) this.db.run("DELETE FROM log_cursors WHERE container_id = ?", [id]);
  }

  /**
   * Lines matching `q`: newest first (up to `limit`), or with `afterId` the oldest lines stored
   * after it. Ordered by id, the order lines were stored in.
   */
  search(q: LogQuery): StoredLogRecord[] {
    let lowestId: number | undefined;
    if (q.since !== undefined && q.grep && trigramPhrase(q.grep)) {
      const bound = this.lowestIdSince(q.app, q.since);
      if (bound === null) return [];
      lowestId = bound;
    }
    const { sql, args } = searchStatement(q, lowestId);
    return (this.db.query(sql).all(...args) as Row[]).map(present);
  }

  /**
   * The smallest id of the app's lines stamped at or after `since` (null: there are none), so a
   * text search walking the index back from the newest line stops there instead of reading every
   * older match. Taken over all those lines, not from the first by time: lines are not stored in
   * time order (containers' clocks, OTLP records stamped by the sender), so a later-stamped line
   * can have a smaller id. Undefined when more than `sinceBoundScan` lines are that recent: the
   * scan of the (app, ts) index would then cost more than it saves, and the walk goes unbounded.
   */
  private lowestIdSince(app: string, since: number): number | null | undefined {
    const row = this.db
      .query(
        "SELECT count(*) AS n, min(id) AS id FROM (SELECT id FROM log_lines WHERE app = ? AND ts >= ? LIMIT ?)",
      )
      .get(app, since, this.sinceBoundScan) as { n: number; id: number | null };
    if (row.n >= this.sinceBoundScan) return undefined;
    return row.id;
  }

  /** The id of the newest stored line (0 when there is none): where a live tail starts. */
  lastId(): number {
    return (this.db.query("SELECT max(id) AS id FROM log_lines").get() as { id: number | null }).id ?? 0;
  }

  /** Bytes the file's live pages take (free pages are reused by later writes). */
  usedBytes(): number {
    const pages = (this.db.query("PRAGMA page_count").get() as { page_count: number }).page_count;
    const free = (this.db.query("PRAGMA freelist_count").get() as { freelist_count: number }).freelist_count;
    const size = (this.db.query("PRAGMA page_size").get() as { page_size: number }).page_size;
    return (pages - free) * size;
  }

  /**
   * Drops lines older than `maxAgeMs`, then, when the file is over `maxBytes`, the oldest share of
   * lines by which it is over, a chunk at a time so a write is never blocked for long. Returns
   * how many were dropped.
   */
  prune(options: { maxAgeMs: number; maxBytes: number; now?: number; chunk?: number }): number {
    const chunk = options.chunk ?? 20_000;
    const cutoff = (options.now ?? Date.now()) - options.maxAgeMs;
    let dropped = 0;
    for (;;) {
      const changes = this.db.run(
        "DELETE FROM log_lines WHERE id IN (SELECT id FROM log_lines WHERE ts < ? ORDER BY ts LIMIT ?)",
        [cutoff, chunk],
      ).changes;
      dropped += changes;
      if (changes < chunk) break;
    }
    // Over the size: drop the oldest lines in proportion to the excess, once per run. Deleted lines
    // leave tombstones in the text index until its segments merge, so the size is not measured
    // again in a loop (that would delete far more than the excess).
    const used = this.usedBytes();
    if (used > options.maxBytes) {
      let excess = Math.ceil(this.count() * (1 - options.maxBytes / used));
      while (excess > 0) {
        const changes = this.db.run(
          "DELETE FROM log_lines WHERE id IN (SELECT id FROM log_lines ORDER BY id LIMIT ?)",
          [Math.min(chunk, excess)],
        ).changes;
        dropped += changes;
        excess -= changes;
        if (changes === 0) break;
      }
      this.db.run("INSERT INTO log_text (log_text, rank) VALUES ('merge', 500)");
    }
    return dropped;
  }

  count(app?: string): number {
    const row = app
      ? this.db.query("SELECT count(*) AS n FROM log_lines WHERE app = ?").get(app)
      : this.db.query("SELECT count(*) AS n FROM log_lines").get();
    return (row as { n: number }).n;
  }

  close(): void {
    this.listeners.clear();
    this.db.close();
  }
}

function present(row: Row): StoredLogRecord {
  return {
    id: row.id,
    ts: row.ts,
    app: row.app,
    env: row.env,
    release: row.release,
    replica: row.replica,
    stream: row.stream as StoredLogRecord["stream"],
    level: levelOfRank(row.level),
    line: row.line,
    attrs: row.attrs,
  };
}
