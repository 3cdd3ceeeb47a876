import { and, eq, lt, or, sql } from "drizzle-orm";
import type { Database } from "../open.ts";

export type LeaseRow = Database["t"]["leases"]["$inferSelect"];

/**
 * Named leases in the control-plane database: one row per job that only one pier process may run
 * at a time. Taking one is a single upsert that succeeds only when nobody holds it, it expired, or
 * the caller already holds it, so two processes (an upgrade overlapping the old one, two piers on
 * one PostgreSQL) cannot both win.
 */
export function createLeaseStore({ db, t }: Database) {
  return {
    /** Takes or renews `name` for `holder` until now + ttlMs; false when someone else holds it. */
    async acquire(name: string, holder: string, ttlMs: number, now = new Date()): Promise<boolean> {
      const expiresAt = new Date(now.getTime() + ttlMs);
      const rows = await db
        .insert(t.leases)
        .values({ name, holder, expiresAt, acquiredAt: now })
        .onConflictDoUpdate({
          target: t.leases.name,
          set: {
            holder,
            expiresAt,
            // A renewal keeps the time the lease was first taken.
            acquiredAt: sql`case when ${t.leases.holder} = ${holder} then ${t.leases.acquiredAt} else excluded.acquired_at end`,
          },
          setWhere: or(eq(t.leases.holder, holder), lt(t.leases.expiresAt, now)),
        })
        .returning({ name: t.leases.name });
      return rows.length > 0;
    },
    /** Gives `name` up if `holder` has it, so the next process need not wait for the expiry. */
    async release(name: string, holder: string): Promise<void> {
      await db.delete(t.leases).where(and(eq(t.leases.name, name), eq(t.leases.holder, holder)));
    },
    async find(name: string): Promise<LeaseRow | undefined> {
      const [row] = await db.select().from(t.leases).where(eq(t.leases.name, name)).limit(1);
      return row;
    },
  };
}

export type LeaseStore = ReturnType<typeof createLeaseStore>;
