import { eq, sql } from "drizzle-orm";
import type { Database } from "../open.ts";

export type UserRow = Database["t"]["users"]["$inferSelect"];

export function createUserStore({ db, t }: Database) {
  return {
    async count(): Promise<number> {
      const [row] = await db.select({ n: sql<number>`count(*)` }).from(t.users);
      return Number(row?.n ?? 0);
    },
    async create(user: { id: string; email: string; passwordHash: string; role: "admin" | "member" }) {
      const [row] = await db.insert(t.users).values(user).returning();
      return row!;
    },
    async findByEmail(email: string): Promise<UserRow | undefined> {
      const [row] = await db.select().from(t.users).where(eq(t.users.email, email.toLowerCase())).limit(1);
      return row;
    },
    async findById(id: string): Promise<UserRow | undefined> {
      const [row] = await db.select().from(t.users).where(eq(t.users.id, id)).limit(1);
      return row;
    },
  };
}
