import type { Database } from "@pier/db";
import { and, asc, desc, eq, gte, inArray, lt, sql } from "drizzle-orm";
import * as pgSchema from "../schema/pg.ts";
import * as sqliteSchema from "../schema/sqlite.ts";
import { percentiles } from "../stats.ts";
import type { CheckResults, CheckRow, DailyRow } from "./check-results.ts";

/** Check results in the control-plane database (SQLite or PostgreSQL), beside the monitors. */
export function createSqlCheckResults(database: Database): CheckResults {
  // The pg tables share names and JS types with the SQLite ones (schema-parity.test.ts).
  const t = (database.dialect === "postgres" ? pgSchema : sqliteSchema) as unknown as typeof sqliteSchema;
  const { db } = database;
  const c = t.uptimeChecks;
  const d = t.uptimeDaily;

  return {
    kind: "sql",
    /** At most a few writes per monitor per minute: no batching needed. */
    async record(row: CheckRow, day: string): Promise<void> {
      await db.insert(c).values(row).onConflictDoNothing();
      const failure = row.ok ? 0 : 1;
      await db
        .insert(d)
        .values({ monitorId: row.monitorId, day, checks: 1, failures: failure })
        .onConflictDoUpdate({
          target: [d.monitorId, d.day],
          set: { checks: sql`${d.checks} + 1`, failures: sql`${d.failures} + ${failure}` },
        });
    },
    latest(monitorId, limit): Promise<CheckRow[]> {
      return db.select().from(c).where(eq(c.monitorId, monitorId)).orderBy(desc(c.at)).limit(limit);
    },
    async window(monitorId, from) {
      const rows = await db
        .select({ ok: c.ok, latencyMs: c.latencyMs })
        .from(c)
        .where(and(eq(c.monitorId, monitorId), gte(c.at, from)));
      const ok = rows.filter((r) => r.ok);
      return {
        checks: rows.length,
        failures: rows.length - ok.length,
        latency: percentiles(ok.map((r) => r.latencyMs)),
      };
    },
    since(monitorId, from) {
      return db
        .select({ at: c.at, ok: c.ok, latencyMs: c.latencyMs })
        .from(c)
        .where(and(eq(c.monitorId, monitorId), gte(c.at, from)))
        .orderBy(asc(c.at));
    },
    daily(monitorIds, fromDay): Promise<DailyRow[]> {
      if (monitorIds.length === 0) return Promise.resolve([]);
      return db
        .select()
        .from(d)
        .where(and(inArray(d.monitorId, monitorIds), gte(d.day, fromDay)))
        .orderBy(asc(d.day), asc(d.monitorId));
    },
    async prune(rawBefore, dailyBeforeDay) {
      await db.delete(c).where(lt(c.at, rawBefore));
      await db.delete(d).where(lt(d.day, dailyBeforeDay));
    },
    async deleteMonitor(monitorId) {
      await db.delete(c).where(eq(c.monitorId, monitorId));
      await db.delete(d).where(eq(d.monitorId, monitorId));
    },
    async close() {},
  };
}
