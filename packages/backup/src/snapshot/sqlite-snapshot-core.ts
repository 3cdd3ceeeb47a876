import type { Database } from "bun:sqlite";

export interface SnapshotRequest {
  v: 1;
  source: string;
  target: string;
}

export type SnapshotResult = { v: 1; ok: true; migrations: string[] } | { v: 1; ok: false; message: string };

/**
 * A consistent copy of a live SQLite database: VACUUM INTO reads inside one read transaction, so
 * writers (WAL mode) go on while it runs and the copy is the database as of its start, WAL
 * included. Answers the migration ids recorded in the copy (none for analytics.db).
 */
export function snapshotSqliteFile(Sqlite: typeof Database, source: string, target: string): string[] {
  const db = new Sqlite(source, { readonly: true });
  try {
    db.run("PRAGMA busy_timeout = 10000");
    db.run("VACUUM INTO ?", [target]);
  } finally {
    db.close();
  }
  const copy = new Sqlite(target, { readonly: true });
  try {
    const ledger = copy
      .query<{ n: number }, []>(
        "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'pier_migrations'",
      )
      .get();
    if (!ledger?.n) return [];
    return copy
      .query<{ id: string }, []>("SELECT id FROM pier_migrations ORDER BY id")
      .all()
      .map((row) => row.id);
  } finally {
    copy.close();
  }
}
