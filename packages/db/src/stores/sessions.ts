import { and, eq, gt, lt, ne } from "drizzle-orm";
import type { Database } from "../open.ts";
import type { UserRow } from "./users.ts";

export function createSessionStore({ db, t }: Database) {
  return {
    async create(session: { idHash: string; userId: string; csrfToken: string; expiresAt: Date }) {
      await db.insert(t.sessions).values(session);
    },
    /** Only sessions that have not expired; the user rides along so a request needs one query. */
    async findActive(
      idHash: string,
      now = new Date(),
    ): Promise<{ csrfToken: string; user: UserRow } | undefined> {
      const [row] = await db
        .select({ csrfToken: t.sessions.csrfToken, user: t.users })
        .from(t.sessions)
        .innerJoin(t.users, eq(t.users.id, t.sessions.userId))
        .where(and(eq(t.sessions.idHash, idHash), gt(t.sessions.expiresAt, now)))
        .limit(1);
      return row;
    },
    async delete(idHash: string) {
      await db.delete(t.sessions).where(eq(t.sessions.idHash, idHash));
    },
    /** Ends a user's other sessions (after a password change): all but `keep`. */
    async deleteForUser(userId: string, keep: string) {
      await db.delete(t.sessions).where(and(eq(t.sessions.userId, userId), ne(t.sessions.idHash, keep)));
    },
    async deleteExpired(now = new Date()) {
      await db.delete(t.sessions).where(lt(t.sessions.expiresAt, now));
    },
  };
}
