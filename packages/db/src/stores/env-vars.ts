import { and, asc, eq } from "drizzle-orm";
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
    async set(row: {
      appId: string;
      environment: string;
      key: string;
      valueSealed: string;
      secret: boolean;
      updatedAt?: Date;
    }): Promise<void> {
      const values = { ...row, updatedAt: row.updatedAt ?? new Date() };
      await db
        .insert(t.envVars)
        .values(values)
        .onConflictDoUpdate({
          target: [t.envVars.appId, t.envVars.environment, t.envVars.key],
          set: { valueSealed: values.valueSealed, secret: values.secret, updatedAt: values.updatedAt },
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
