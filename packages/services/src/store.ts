import type { Database } from "@pier/db";
import { and, asc, desc, eq, isNotNull, isNull } from "drizzle-orm";
import * as pgSchema from "./schema/pg.ts";
import * as sqliteSchema from "./schema/sqlite.ts";

type Tables = typeof sqliteSchema;
export type ServiceRow = Tables["services"]["$inferSelect"];
export type NewServiceRow = Tables["services"]["$inferInsert"];
export type LinkRow = Tables["serviceLinks"]["$inferSelect"];
export type BackupRow = Tables["serviceBackups"]["$inferSelect"];
export type NewBackupRow = Tables["serviceBackups"]["$inferInsert"];

/** Services, their links to apps and their backups, on SQLite or PostgreSQL. */
export function createServicesStore(database: Database) {
  // The pg tables share names and JS types with the SQLite ones (schema-parity.test.ts).
  const t = (database.dialect === "postgres" ? pgSchema : sqliteSchema) as unknown as Tables;
  const { db } = database;
  const s = t.services;
  const l = t.serviceLinks;
  const b = t.serviceBackups;

  return {
    services: {
      list: (): Promise<ServiceRow[]> => db.select().from(s).orderBy(asc(s.name)),
      async find(name: string): Promise<ServiceRow | undefined> {
        return (await db.select().from(s).where(eq(s.name, name)))[0];
      },
      async findById(id: string): Promise<ServiceRow | undefined> {
        return (await db.select().from(s).where(eq(s.id, id)))[0];
      },
      async insert(row: NewServiceRow): Promise<ServiceRow> {
        const [created] = await db.insert(s).values(row).returning();
        return created!;
      },
      async update(id: string, changes: Partial<NewServiceRow>): Promise<ServiceRow | undefined> {
        const [row] = await db
          .update(s)
          .set({ ...changes, updatedAt: new Date() })
          .where(eq(s.id, id))
          .returning();
        return row;
      },
      async remove(id: string): Promise<void> {
        await db.delete(l).where(eq(l.serviceId, id));
        await db.update(b).set({ serviceId: null }).where(eq(b.serviceId, id));
        await db.delete(s).where(eq(s.id, id));
      },
      /** Rows from before pier recorded which pier created a service get `instance`. */
      async recordCreator(instance: string): Promise<void> {
        await db.update(s).set({ createdByInstance: instance }).where(isNull(s.createdByInstance));
      },
      withSchedule: (): Promise<ServiceRow[]> => db.select().from(s).where(isNotNull(s.backupSchedule)),
    },
    links: {
      forService: (serviceId: string): Promise<LinkRow[]> =>
        db.select().from(l).where(eq(l.serviceId, serviceId)).orderBy(asc(l.appName)),
      forApp: (appId: string): Promise<LinkRow[]> => db.select().from(l).where(eq(l.appId, appId)),
      all: (): Promise<LinkRow[]> => db.select().from(l),
      async find(serviceId: string, appId: string): Promise<LinkRow | undefined> {
        return (
          await db
            .select()
            .from(l)
            .where(and(eq(l.serviceId, serviceId), eq(l.appId, appId)))
        )[0];
      },
      async insert(row: Tables["serviceLinks"]["$inferInsert"]): Promise<LinkRow> {
        const [created] = await db.insert(l).values(row).returning();
        return created!;
      },
      async setPreviews(id: string, previews: Record<string, string>): Promise<void> {
        await db.update(l).set({ previews }).where(eq(l.id, id));
      },
      async remove(id: string): Promise<void> {
        await db.delete(l).where(eq(l.id, id));
      },
      async removeForApp(appId: string): Promise<void> {
        await db.delete(l).where(eq(l.appId, appId));
      },
    },
    backups: {
      async insert(row: NewBackupRow): Promise<BackupRow> {
        const [created] = await db.insert(b).values(row).returning();
        return created!;
      },
      async update(id: string, changes: Partial<NewBackupRow>): Promise<BackupRow | undefined> {
        const [row] = await db.update(b).set(changes).where(eq(b.id, id)).returning();
        return row;
      },
      async find(id: string): Promise<BackupRow | undefined> {
        return (await db.select().from(b).where(eq(b.id, id)))[0];
      },
      /** Newest first; of one service (by name, so a deleted service's backups still list). */
      list(filter: { serviceName?: string; appName?: string; limit?: number }): Promise<BackupRow[]> {
        const where = [
          filter.serviceName !== undefined ? eq(b.serviceName, filter.serviceName) : undefined,
          filter.appName !== undefined ? eq(b.appName, filter.appName) : undefined,
        ].filter((w) => w !== undefined);
        return db
          .select()
          .from(b)
          .where(where.length ? and(...where) : undefined)
          .orderBy(desc(b.startedAt))
          .limit(filter.limit ?? 100);
      },
      async remove(id: string): Promise<void> {
        await db.delete(b).where(eq(b.id, id));
      },
      /** Backups left "running" by a pier that stopped mid-way. */
      async failInterrupted(): Promise<number> {
        const rows = await db
          .update(b)
          .set({ status: "failed", error: "pier stopped while the backup ran", finishedAt: new Date() })
          .where(eq(b.status, "running"))
          .returning({ id: b.id });
        return rows.length;
      },
    },
  };
}

export type ServicesStore = ReturnType<typeof createServicesStore>;
