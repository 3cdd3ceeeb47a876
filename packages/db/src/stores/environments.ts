import { and, asc, eq, isNotNull } from "drizzle-orm";
import type { Database } from "../open.ts";

export type EnvironmentRow = Database["t"]["environments"]["$inferSelect"];

export function createEnvironmentStore({ db, t }: Database) {
  return {
    async listForApp(appId: string): Promise<EnvironmentRow[]> {
      return db
        .select()
        .from(t.environments)
        .where(eq(t.environments.appId, appId))
        .orderBy(asc(t.environments.createdAt), asc(t.environments.name));
    },
    /** Environments that have a release serving (what reconciliation and routes start from). */
    async listWithCurrent(): Promise<EnvironmentRow[]> {
      return db.select().from(t.environments).where(isNotNull(t.environments.currentDeploymentId));
    },
    async findById(id: string): Promise<EnvironmentRow | undefined> {
      const [row] = await db.select().from(t.environments).where(eq(t.environments.id, id)).limit(1);
      return row;
    },
    async findByName(appId: string, name: string): Promise<EnvironmentRow | undefined> {
      const [row] = await db
        .select()
        .from(t.environments)
        .where(and(eq(t.environments.appId, appId), eq(t.environments.name, name)))
        .limit(1);
      return row;
    },
    /** Creates the environment on first use; an existing row is returned unchanged. */
    async ensure(env: {
      id: string;
      appId: string;
      name: string;
      kind: "production" | "preview";
      branch: string;
      host: string | null;
    }): Promise<EnvironmentRow> {
      await db.insert(t.environments).values(env).onConflictDoNothing();
      const [row] = await db
        .select()
        .from(t.environments)
        .where(and(eq(t.environments.appId, env.appId), eq(t.environments.name, env.name)))
        .limit(1);
      return row!;
    },
    async setCurrent(id: string, deploymentId: string | null): Promise<void> {
      await db
        .update(t.environments)
        .set({ currentDeploymentId: deploymentId })
        .where(eq(t.environments.id, id));
    },
    /** Marks the environment asleep (its replicas stopped) or, with null, awake. */
    async setSleeping(id: string, since: Date | null): Promise<void> {
      await db.update(t.environments).set({ sleepingSince: since }).where(eq(t.environments.id, id));
    },
    async remove(id: string): Promise<boolean> {
      const rows = await db
        .delete(t.environments)
        .where(eq(t.environments.id, id))
        .returning({ id: t.environments.id });
      return rows.length > 0;
    },
  };
}
