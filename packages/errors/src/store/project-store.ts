import type { Database } from "@pier/db";
import { asc, eq } from "drizzle-orm";
import { newPublicKey } from "../dsn.ts";
import { errorTables, type ProjectRow } from "./tables.ts";

export interface NewProject {
  name: string;
  appId?: string | null;
  platform?: string;
  rateLimitPerMinute?: number;
}

export type ProjectChanges = Partial<
  Pick<
    ProjectRow,
    | "name"
    | "platform"
    | "rateLimitPerMinute"
    | "webhookUrl"
    | "webhookSecretSealed"
    | "scrubData"
    | "scrubFields"
    | "scrubIp"
  >
>;

/** Projects change rarely and are read on every ingest request: a small cache by id fronts the table. */
export function createProjectStore(database: Database) {
  const t = errorTables(database);
  const { db } = database;
  const p = t.errorProjects;
  const byId = new Map<number, ProjectRow>();

  return {
    async list(): Promise<ProjectRow[]> {
      return db.select().from(p).orderBy(asc(p.name));
    },
    async get(id: number): Promise<ProjectRow | undefined> {
      const cached = byId.get(id);
      if (cached) return cached;
      const [row] = await db.select().from(p).where(eq(p.id, id)).limit(1);
      if (row) byId.set(id, row);
      return row;
    },
    async byApp(appId: string): Promise<ProjectRow | undefined> {
      const [row] = await db.select().from(p).where(eq(p.appId, appId)).limit(1);
      return row;
    },
    async byPublicKey(key: string): Promise<ProjectRow | undefined> {
      const [row] = await db.select().from(p).where(eq(p.publicKey, key)).limit(1);
      return row;
    },
    async byName(name: string): Promise<ProjectRow | undefined> {
      const [row] = await db.select().from(p).where(eq(p.name, name)).limit(1);
      return row;
    },
    async create(input: NewProject): Promise<ProjectRow> {
      const [row] = await db
        .insert(p)
        .values({
          name: input.name,
          appId: input.appId ?? null,
          publicKey: newPublicKey(),
          platform: input.platform ?? "javascript",
          ...(input.rateLimitPerMinute === undefined ? {} : { rateLimitPerMinute: input.rateLimitPerMinute }),
        })
        .returning();
      return row!;
    },
    async update(id: number, changes: ProjectChanges): Promise<ProjectRow | undefined> {
      byId.delete(id);
      if (Object.keys(changes).length === 0) return this.get(id);
      const [row] = await db.update(p).set(changes).where(eq(p.id, id)).returning();
      return row;
    },
    async rotateKey(id: number): Promise<ProjectRow | undefined> {
      byId.delete(id);
      const [row] = await db.update(p).set({ publicKey: newPublicKey() }).where(eq(p.id, id)).returning();
      return row;
    },
    async delete(id: number): Promise<boolean> {
      byId.delete(id);
      const rows = await db.delete(p).where(eq(p.id, id)).returning({ id: p.id });
      return rows.length > 0;
    },
  };
}

export type ProjectStore = ReturnType<typeof createProjectStore>;
