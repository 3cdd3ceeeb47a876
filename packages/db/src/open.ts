import { Database as SqliteDatabase } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type BunSQLiteDatabase, drizzle as drizzleSqlite } from "drizzle-orm/bun-sqlite";
import { type EmbeddedMigration, migrateSqlite } from "./migrate.ts";
import { sqliteMigrations } from "./migrations.gen.ts";
import * as sqliteSchema from "./schema/sqlite.ts";

export type Tables = typeof sqliteSchema;
/**
 * The stores are written once, against the SQLite flavour of the schema. The PostgreSQL tables have
 * the same names, columns and JS types (schema-parity.test.ts), and drizzle's builders are the same
 * surface on both, so the PostgreSQL database is presented under the same type.
 */
export type Db = BunSQLiteDatabase<Tables>;

export interface Database {
  dialect: "sqlite" | "postgres";
  db: Db;
  t: Tables;
  /** Human-readable location for logs (path or redacted URL). */
  location: string;
  appliedMigrations: string[];
  /** Applies a package's own migrations (ids prefixed with its name) to this database. */
  migrate(migrations: MigrationSet): Promise<string[]>;
  close(): Promise<void>;
}

/** A package's migrations for both dialects, as embedded by scripts/embed-migrations.ts. */
export interface MigrationSet {
  sqlite: EmbeddedMigration[];
  pg: EmbeddedMigration[];
}

export interface OpenDatabaseOptions {
  dataDir: string;
  databaseUrl?: string;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if (!options.databaseUrl) return openSqlite(options.dataDir);
  // Loaded only when asked for: the PostgreSQL driver and schema cost memory every SQLite user would pay.
  const { openPostgres } = await import("./open-postgres.ts");
  return openPostgres(options.databaseUrl);
}

export function openSqlite(dataDir: string): Database {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, "pier.db");
  const client = new SqliteDatabase(path, { create: true, strict: true });
  // WAL lets the dashboard read while ingest writes; busy_timeout rides out short write overlaps.
  client.run("PRAGMA journal_mode = WAL");
  client.run("PRAGMA synchronous = NORMAL");
  client.run("PRAGMA foreign_keys = ON");
  client.run("PRAGMA busy_timeout = 5000");
  const appliedMigrations = migrateSqlite(client, sqliteMigrations);
  return {
    dialect: "sqlite",
    db: drizzleSqlite({ client, schema: sqliteSchema }),
    t: sqliteSchema,
    location: path,
    appliedMigrations,
    migrate: async (set) => migrateSqlite(client, set.sqlite),
    close: async () => client.close(),
  };
}

export function isUniqueViolation(error: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = error;
  // drizzle wraps driver errors; the driver's code sits on `cause`.
  while (current && typeof current === "object" && !seen.has(current)) {
    seen.add(current);
    const e = current as { code?: string; errno?: string; message?: string; cause?: unknown };
    if (e.code === "23505" || e.errno === "23505" || e.code === "SQLITE_CONSTRAINT_UNIQUE") return true;
    if (e.code === "SQLITE_CONSTRAINT_PRIMARYKEY") return true;
    if (typeof e.message === "string" && /UNIQUE constraint failed|duplicate key value/.test(e.message))
      return true;
    current = e.cause;
  }
  return false;
}
