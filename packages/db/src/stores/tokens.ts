import { and, desc, eq, isNull } from "drizzle-orm";
import type { Database } from "../open.ts";

export type ApiTokenRow = Database["t"]["apiTokens"]["$inferSelect"];

export function createTokenStore({ db, t }: Database) {
  return {
    async create(token: {
      id: string;
      name: string;
      tokenHash: string;
      hint: string;
      scopes: string[];
      apps?: string[] | null;
      userId?: string | null;
    }): Promise<ApiTokenRow> {
      const [row] = await db.insert(t.apiTokens).values(token).returning();
      return row!;
    },
    async findActiveByHash(tokenHash: string): Promise<ApiTokenRow | undefined> {
      const [row] = await db
        .select()
        .from(t.apiTokens)
        .where(and(eq(t.apiTokens.tokenHash, tokenHash), isNull(t.apiTokens.revokedAt)))
        .limit(1);
      return row;
    },
    async existsWithHash(tokenHash: string): Promise<boolean> {
      const [row] = await db
        .select({ id: t.apiTokens.id })
        .from(t.apiTokens)
        .where(eq(t.apiTokens.tokenHash, tokenHash))
        .limit(1);
      return row !== undefined;
    },
    async list(): Promise<ApiTokenRow[]> {
      return db.select().from(t.apiTokens).orderBy(desc(t.apiTokens.createdAt));
    },
    async revoke(id: string, now = new Date()): Promise<boolean> {
      const rows = await db
        .update(t.apiTokens)
        .set({ revokedAt: now })
        .where(and(eq(t.apiTokens.id, id), isNull(t.apiTokens.revokedAt)))
        .returning({ id: t.apiTokens.id });
      return rows.length > 0;
    },
    /**
     * Revokes every token a user created and unlinks it from them, so the rows stay (revoked) when
     * the user is deleted instead of going with them; returns how many were still active.
     */
    async revokeForUser(userId: string, now = new Date()): Promise<number> {
      const active = await db
        .update(t.apiTokens)
        .set({ revokedAt: now })
        .where(and(eq(t.apiTokens.userId, userId), isNull(t.apiTokens.revokedAt)))
        .returning({ id: t.apiTokens.id });
      await db.update(t.apiTokens).set({ userId: null }).where(eq(t.apiTokens.userId, userId));
      return active.length;
    },
    async touch(id: string, now = new Date()) {
      await db.update(t.apiTokens).set({ lastUsedAt: now }).where(eq(t.apiTokens.id, id));
    },
  };
}
