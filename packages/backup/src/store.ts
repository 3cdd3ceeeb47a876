import { type Database, isUniqueViolation } from "@pier/db";
import { and, desc, eq, lt } from "drizzle-orm";
import * as pgSchema from "./schema/pg.ts";
import * as sqliteSchema from "./schema/sqlite.ts";

type Tables = typeof sqliteSchema;
export type BackupRunRow = Tables["backupRuns"]["$inferSelect"];
export type NewBackupRun = Tables["backupRuns"]["$inferInsert"];

/** The backup_runs table on either database. */
export function createBackupRunStore(database: Database) {
  // The pg table shares names and JS types with the SQLite one (schema-parity.test.ts).
  const t = (database.dialect === "postgres" ? pgSchema : sqliteSchema) as unknown as Tables;
  const { db } = database;
  const r = t.backupRuns;
  return {
    /** Inserts the run; false when its slot has a run already (another pier process took it). */
    async claim(row: NewBackupRun): Promise<boolean> {
      try {
        await db.insert(r).values(row);
        return true;
      } catch (error) {
        if (isUniqueViolation(error)) return false;
        throw error;
      }
    },
    async update(id: string, changes: Partial<NewBackupRun>): Promise<void> {
      await db.update(r).set(changes).where(eq(r.id, id));
    },
    async find(id: string): Promise<BackupRunRow | undefined> {
      return (await db.select().from(r).where(eq(r.id, id)))[0];
    },
    list(limit = 50): Promise<BackupRunRow[]> {
      return db.select().from(r).orderBy(desc(r.startedAt)).limit(limit);
    },
    async hasSlot(slot: string): Promise<boolean> {
      return (await db.select({ id: r.id }).from(r).where(eq(r.slot, slot)).limit(1)).length > 0;
    },
    /** Runs whose process stopped beating (crashed, killed) are marked failed. */
    async failStale(before: Date, now = new Date()): Promise<number> {
      const rows = await db
        .update(r)
        .set({ status: "failed", error: "interrupted: the pier process making it stopped", finishedAt: now })
        .where(and(eq(r.status, "running"), lt(r.heartbeatAt, before)))
        .returning({ id: r.id });
      return rows.length;
    },
  };
}
export type BackupRunStore = ReturnType<typeof createBackupRunStore>;
