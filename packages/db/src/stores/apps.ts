import { asc, eq } from "drizzle-orm";
import type { Database } from "../open.ts";

export type AppRow = Database["t"]["apps"]["$inferSelect"];

export function createAppStore({ db, t }: Database) {
  return {
    async create(app: { id: string; name: string; defaultBranch?: string }): Promise<AppRow> {
      const [row] = await db.insert(t.apps).values(app).returning();
      return row!;
    },
    async list(): Promise<AppRow[]> {
      return db.select().from(t.apps).orderBy(asc(t.apps.name));
    },
    async findById(id: string): Promise<AppRow | undefined> {
      const [row] = await db.select().from(t.apps).where(eq(t.apps.id, id)).limit(1);
      return row;
    },
    async findByName(name: string): Promise<AppRow | undefined> {
      const [row] = await db.select().from(t.apps).where(eq(t.apps.name, name)).limit(1);
      return row;
    },
    async deleteByName(name: string): Promise<boolean> {
      const rows = await db.delete(t.apps).where(eq(t.apps.name, name)).returning({ id: t.apps.id });
      return rows.length > 0;
    },
  };
}
