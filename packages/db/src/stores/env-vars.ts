import { and, asc, eq, sql } from "drizzle-orm";
import type { Database } from "../open.ts";

export type EnvVarRow = Database["t"]["envVars"]["$inferSelect"];

/** Values arrive sealed (encrypted by the caller); this store never sees plaintext. */
export function createEnvVarStore({ db, t }: Database) {
  return {
    async listForApp(appId: string): Promise<EnvVarRow[]> {
      return db
        .select()
        .from(t.envVars)
        .where(eq(t.envVars.appId, appId))
        .orderBy(asc(t.envVars.environment), asc(t.envVars.key));
    },
    /** Sets every row or none: one statement, so a failure leaves the app's variables as they were. */
    async set(
      rows: {
        appId: string;
        environment: string;
        key: string;
        valueSealed: string;
        secret: boolean;
        updatedAt?: Date;
      }[],
    ): Promise<void> {
      if (rows.length === 0) return;
      const now = new Date();
      await db
        .insert(t.envVars)
        .values(rows.map((row) => ({ ...row, updatedAt: row.updatedAt ?? now })))
        .onConflictDoUpdate({
          target: [t.envVars.appId, t.envVars.environment, t.envVars.key],
          set: {
            valueSealed: sql`excluded.value_sealed`,
            secret: sql`excluded.secret`,
            updatedAt: sql`excluded.updated_at`,
          },
        });
    },
    async remove(appId: string, environment: string, key: string): Promise<boolean> {
      const rows = await db
        .delete(t.envVars)
        .where(
          and(eq(t.envVars.appId, appId), eq(t.envVars.environment, environment), eq(t.envVars.key, key)),
        )
        .returning({ key: t.envVars.key });
      return rows.length > 0;
    },
  };
}
