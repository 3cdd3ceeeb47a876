import { eq } from "drizzle-orm";
import type { Database } from "../open.ts";

export function createSettingStore({ db, t }: Database) {
  return {
    async get<T>(key: string): Promise<T | undefined> {
      const [row] = await db.select().from(t.settings).where(eq(t.settings.key, key)).limit(1);
      return row?.value as T | undefined;
    },
    /** `null` removes the key (the column holds JSON and is NOT NULL: a stored null would fail). */
    async set(key: string, value: unknown, now = new Date()) {
      if (value === null) {
        await db.delete(t.settings).where(eq(t.settings.key, key));
        return;
      }
      await db
        .insert(t.settings)
        .values({ key, value, updatedAt: now })
        .onConflictDoUpdate({ target: t.settings.key, set: { value, updatedAt: now } });
    },
  };
}
