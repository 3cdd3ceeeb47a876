import type { Database as SqliteDatabase } from "bun:sqlite";
import { PierError } from "@pier/core";
import type { SQL } from "bun";

export interface EmbeddedMigration {
  id: string;
  sql: string;
}

/** drizzle-kit separates statements with this marker; each one runs on its own. */
export function splitStatements(sqlText: string): string[] {
  return sqlText
    .split("--> statement-breakpoint")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export function pendingMigrations(all: EmbeddedMigration[], applied: Set<string>): EmbeddedMigration[] {
  return all.filter((m) => !applied.has(m.id));
}

const ledger = "pier_migrations";

/**
 * A migration the database refused (data that breaks a new constraint, a full disk…), named, so
 * the log of a start that failed — an upgrade's successor's too — says which one and why.
 */
export class MigrationFailedError extends PierError {
  constructor(
    readonly migrationId: string,
    cause: unknown,
  ) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super("migration_failed", `migration ${migrationId} failed and was rolled back: ${why}`, 500);
    this.cause = cause;
  }
}

/** Each migration and its ledger row commit together, so a crash never leaves one half-applied. */
export function migrateSqlite(db: SqliteDatabase, migrations: EmbeddedMigration[]): string[] {
  db.run(`CREATE TABLE IF NOT EXISTS ${ledger} (id TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)`);
  const applied = new Set(
    db
      .query<{ id: string }, []>(`SELECT id FROM ${ledger}`)
      .all()
      .map((r) => r.id),
  );
  const pending = pendingMigrations(migrations, applied);
  for (const migration of pending) {
    try {
      db.transaction(() => {
        for (const statement of splitStatements(migration.sql)) db.run(statement);
        db.run(`INSERT INTO ${ledger} (id, applied_at) VALUES (?, ?)`, [migration.id, Date.now()]);
      })();
    } catch (error) {
      throw new MigrationFailedError(migration.id, error);
    }
  }
  return pending.map((m) => m.id);
}

export async function migratePostgres(sql: SQL, migrations: EmbeddedMigration[]): Promise<string[]> {
  return await sql.begin(async (tx) => {
    // Two pier processes starting against one database must not both run the same migration.
    await tx`SELECT pg_advisory_xact_lock(7070)`;
    await tx.unsafe(`CREATE TABLE IF NOT EXISTS ${ledger} (id TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)`);
    const rows: { id: string }[] = await tx.unsafe(`SELECT id FROM ${ledger}`);
    const pending = pendingMigrations(migrations, new Set(rows.map((r) => r.id)));
    for (const migration of pending) {
      try {
        for (const statement of splitStatements(migration.sql)) await tx.unsafe(statement);
      } catch (error) {
        throw new MigrationFailedError(migration.id, error);
      }
      await tx`INSERT INTO pier_migrations (id, applied_at) VALUES (${migration.id}, ${Date.now()})`;
    }
    return pending.map((m) => m.id);
  });
}
