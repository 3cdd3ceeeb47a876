import type { Database } from "@pier/db";
import { and, asc, desc, eq, gte, inArray, isNotNull, isNull, lt } from "drizzle-orm";
import type { CheckResults } from "./check-results/check-results.ts";
import { createSqlCheckResults } from "./check-results/sql-check-results.ts";
import * as pgSchema from "./schema/pg.ts";
import * as sqliteSchema from "./schema/sqlite.ts";

type Tables = typeof sqliteSchema;
export type MonitorRow = Tables["uptimeMonitors"]["$inferSelect"];
export type NewMonitorRow = Tables["uptimeMonitors"]["$inferInsert"];
export type IncidentRow = Tables["uptimeIncidents"]["$inferSelect"];
export type StatusPageRow = Tables["uptimeStatusPages"]["$inferSelect"];

/** Monitors, incidents and status pages in SQL; check results in `checks` (SQL unless given). */
export function createUptimeStore(
  database: Database,
  checks: CheckResults = createSqlCheckResults(database),
) {
  // The pg tables share names and JS types with the SQLite ones (schema-parity.test.ts).
  const t = (database.dialect === "postgres" ? pgSchema : sqliteSchema) as unknown as Tables;
  const { db } = database;
  const m = t.uptimeMonitors;

  const monitors = {
    list: (): Promise<MonitorRow[]> => db.select().from(m).orderBy(asc(m.name)),
    async find(idOrName: string): Promise<MonitorRow | undefined> {
      const [byId] = await db.select().from(m).where(eq(m.id, idOrName));
      return byId ?? (await db.select().from(m).where(eq(m.name, idOrName)))[0];
    },
    async findByApp(appId: string): Promise<MonitorRow[]> {
      return db.select().from(m).where(eq(m.appId, appId));
    },
    async insert(row: NewMonitorRow): Promise<MonitorRow> {
      const [created] = await db.insert(m).values(row).returning();
      return created!;
    },
    async update(id: string, changes: Partial<NewMonitorRow>): Promise<void> {
      await db.update(m).set(changes).where(eq(m.id, id));
    },
    async delete(id: string): Promise<boolean> {
      await checks.deleteMonitor(id);
      const rows = await db.delete(m).where(eq(m.id, id)).returning({ id: m.id });
      return rows.length > 0;
    },
  };

  const i = t.uptimeIncidents;
  const incidents = {
    async open(row: Omit<IncidentRow, "resolvedAt">): Promise<IncidentRow> {
      const [created] = await db.insert(i).values(row).returning();
      return created!;
    },
    async update(id: string, changes: Partial<IncidentRow>): Promise<void> {
      await db.update(i).set(changes).where(eq(i.id, id));
    },
    async find(id: string): Promise<IncidentRow | undefined> {
      return (await db.select().from(i).where(eq(i.id, id)))[0];
    },
    list(filter: {
      monitorIds?: string[];
      open?: boolean;
      since?: Date;
      limit?: number;
    }): Promise<IncidentRow[]> {
      const where = [
        filter.monitorIds ? inArray(i.monitorId, filter.monitorIds) : undefined,
        filter.open === true
          ? isNull(i.resolvedAt)
          : filter.open === false
            ? isNotNull(i.resolvedAt)
            : undefined,
        filter.since ? gte(i.startedAt, filter.since) : undefined,
      ].filter((w) => w !== undefined);
      return db
        .select()
        .from(i)
        .where(where.length ? and(...where) : undefined)
        .orderBy(desc(i.startedAt))
        .limit(filter.limit ?? 100);
    },
    async prune(resolvedBefore: Date): Promise<void> {
      await db.delete(i).where(and(isNotNull(i.resolvedAt), lt(i.resolvedAt, resolvedBefore)));
    },
  };

  const p = t.uptimeStatusPages;
  const statusPages = {
    list: (): Promise<StatusPageRow[]> => db.select().from(p).orderBy(asc(p.slug)),
    async find(slugOrId: string): Promise<StatusPageRow | undefined> {
      const [bySlug] = await db.select().from(p).where(eq(p.slug, slugOrId));
      return bySlug ?? (await db.select().from(p).where(eq(p.id, slugOrId)))[0];
    },
    async insert(row: Omit<StatusPageRow, "createdAt">): Promise<StatusPageRow> {
      const [created] = await db.insert(p).values(row).returning();
      return created!;
    },
    async update(id: string, changes: Partial<StatusPageRow>): Promise<void> {
      await db.update(p).set(changes).where(eq(p.id, id));
    },
    async delete(id: string): Promise<boolean> {
      return (await db.delete(p).where(eq(p.id, id)).returning({ id: p.id })).length > 0;
    },
  };

  return { monitors, checks, incidents, statusPages };
}

export type UptimeStore = ReturnType<typeof createUptimeStore>;
