import { and, desc, eq } from "drizzle-orm";
import type { Database } from "../open.ts";

export type DeploymentRow = Database["t"]["deployments"]["$inferSelect"];
export type NewDeployment = Database["t"]["deployments"]["$inferInsert"];

export function createDeploymentStore({ db, t }: Database) {
  return {
    async create(deployment: NewDeployment): Promise<DeploymentRow> {
      // Milliseconds, not the column default's whole seconds: "newest first" must hold for two
      // deploys in one second (a push and the env-var restart right after it).
      const [row] = await db
        .insert(t.deployments)
        .values({ createdAt: new Date(), ...deployment })
        .returning();
      return row!;
    },
    async update(
      id: string,
      patch: Partial<Omit<NewDeployment, "id" | "appId">>,
    ): Promise<DeploymentRow | undefined> {
      const [row] = await db.update(t.deployments).set(patch).where(eq(t.deployments.id, id)).returning();
      return row;
    },
    async findById(id: string): Promise<DeploymentRow | undefined> {
      const [row] = await db.select().from(t.deployments).where(eq(t.deployments.id, id)).limit(1);
      return row;
    },
    /** Newest first; with `environmentId`, that environment's only. */
    async listForApp(appId: string, limit = 50, environmentId?: string): Promise<DeploymentRow[]> {
      return db
        .select()
        .from(t.deployments)
        .where(
          and(
            eq(t.deployments.appId, appId),
            environmentId === undefined ? undefined : eq(t.deployments.environmentId, environmentId),
          ),
        )
        .orderBy(desc(t.deployments.createdAt), desc(t.deployments.id))
        .limit(limit);
    },
  };
}
