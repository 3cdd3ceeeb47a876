import type { Database, Db } from "@pier/db";
import * as pgSchema from "../schema/pg.ts";
import * as sqliteSchema from "../schema/sqlite.ts";

export type ErrorTables = typeof sqliteSchema;
export type ProjectRow = ErrorTables["errorProjects"]["$inferSelect"];
export type IssueRow = ErrorTables["errorIssues"]["$inferSelect"];
export type NewIssue = ErrorTables["errorIssues"]["$inferInsert"];
export type EventRow = ErrorTables["errorEvents"]["$inferSelect"];

/**
 * A statement for the writer's transaction: a drizzle query (run synchronously on SQLite, awaited on
 * PostgreSQL), or `{ sqlite }`, raw work on the SQLite connection for the hottest inserts.
 */
export type Write = ((db: Db) => { run(): unknown } & PromiseLike<unknown>) | { sqlite: () => void };

/** The pg tables share names and JS types with the SQLite ones (schema-parity.test.ts). */
export function errorTables(database: Database): ErrorTables {
  return (database.dialect === "postgres" ? pgSchema : sqliteSchema) as unknown as ErrorTables;
}

/**
 * One transaction for a batch. SQLite's drizzle transaction is synchronous, so the statements run
 * with `.run()` and nothing else can interleave; PostgreSQL gets a real async transaction.
 */
export async function runWrites(database: Database, writes: Write[]): Promise<void> {
  if (writes.length === 0) return;
  if (database.dialect === "sqlite") {
    database.db.transaction((tx) => {
      for (const write of writes) {
        if (typeof write === "function") write(tx as unknown as Db).run();
        else write.sqlite();
      }
    });
    return;
  }
  await (database.db as unknown as { transaction(fn: (tx: Db) => Promise<void>): Promise<void> }).transaction(
    async (tx) => {
      for (const write of writes) {
        if (typeof write !== "function") throw new Error("raw SQLite writes cannot run on PostgreSQL");
        await write(tx);
      }
    },
  );
}

/** Splits multi-row inserts so no statement passes SQLite's bound-parameter limit. */
export function chunks<T>(rows: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}
