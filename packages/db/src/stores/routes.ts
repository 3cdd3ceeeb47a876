import { asc, eq, inArray } from "drizzle-orm";
import type { Database } from "../open.ts";

export type RouteRow = Database["t"]["routes"]["$inferSelect"];

export function createRouteStore({ db, t }: Database) {
  return {
    async create(route: {
      id: string;
      host: string;
      pathPrefix: string;
      upstreams: string[];
      options: Record<string, unknown>;
      appId?: string | null;
    }): Promise<RouteRow> {
      const [row] = await db.insert(t.routes).values(route).returning();
      return row!;
    },
    async list(): Promise<RouteRow[]> {
      return db.select().from(t.routes).orderBy(asc(t.routes.host), asc(t.routes.pathPrefix));
    },
    /** Ids only: lets a cache of the (immutable) rows find what was added or removed cheaply. */
    async listIds(): Promise<string[]> {
      const rows = await db.select({ id: t.routes.id }).from(t.routes);
      return rows.map((row) => row.id);
    },
    async getMany(ids: string[]): Promise<RouteRow[]> {
      if (ids.length === 0) return [];
      return db.select().from(t.routes).where(inArray(t.routes.id, ids));
    },
    async delete(id: string): Promise<boolean> {
      const rows = await db.delete(t.routes).where(eq(t.routes.id, id)).returning({ id: t.routes.id });
      return rows.length > 0;
    },
  };
}
