import { and, asc, eq } from "drizzle-orm";
import type { Database } from "../open.ts";

export type DomainRow = Database["t"]["domains"]["$inferSelect"];

export function createDomainStore({ db, t }: Database) {
  return {
    async add(domain: { id: string; appId: string; host: string }): Promise<DomainRow> {
      const [row] = await db.insert(t.domains).values(domain).returning();
      return row!;
    },
    async listForApp(appId: string): Promise<DomainRow[]> {
      return db.select().from(t.domains).where(eq(t.domains.appId, appId)).orderBy(asc(t.domains.host));
    },
    async listAll(): Promise<DomainRow[]> {
      return db.select().from(t.domains).orderBy(asc(t.domains.host));
    },
    /** Detaches `host` from the app `appId` only: a host attached to another app is left alone. */
    async remove(appId: string, host: string): Promise<boolean> {
      const rows = await db
        .delete(t.domains)
        .where(and(eq(t.domains.appId, appId), eq(t.domains.host, host)))
        .returning({ id: t.domains.id });
      return rows.length > 0;
    },
    async findByHost(host: string): Promise<DomainRow | undefined> {
      const [row] = await db.select().from(t.domains).where(eq(t.domains.host, host));
      return row;
    },
  };
}
