import { sql } from "drizzle-orm";
import type { Database } from "./open.ts";

/**
 * Whether `table` has any row: how a subsystem decides at start whether it has work to resume
 * (monitors to schedule, releases to reconcile) before loading its code.
 */
export async function hasRows(database: Database, table: string): Promise<boolean> {
  const query = sql`select 1 from ${sql.identifier(table)} limit 1`;
  if (database.dialect === "sqlite") return database.db.all(query).length > 0;
  const db = database.db as unknown as { execute(q: typeof query): Promise<unknown[] | { rows: unknown[] }> };
  const result = await db.execute(query);
  return (Array.isArray(result) ? result : result.rows).length > 0;
}
