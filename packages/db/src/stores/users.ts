import { asc, eq, sql } from "drizzle-orm";
import type { Database } from "../open.ts";

export type UserRow = Database["t"]["users"]["$inferSelect"];

export function createUserStore({ db, t }: Database) {
  return {
    async count(): Promise<number> {
      const [row] = await db.select({ n: sql<number>`count(*)` }).from(t.users);
      return Number(row?.n ?? 0);
    },
    async create(user: { id: string; email: string; passwordHash: string; role: "admin" | "member" }) {
      // Milliseconds, not the column default's whole seconds: the list shows users in the order they came.
      const [row] = await db
        .insert(t.users)
        .values({ createdAt: new Date(), ...user })
        .returning();
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
    async list(): Promise<UserRow[]> {
      return db.select().from(t.users).orderBy(asc(t.users.createdAt), asc(t.users.email));
    },
    async setRole(id: string, role: "admin" | "member"): Promise<UserRow | undefined> {
      const [row] = await db.update(t.users).set({ role }).where(eq(t.users.id, id)).returning();
      return row;
    },
    async setPasswordHash(id: string, passwordHash: string): Promise<void> {
      await db.update(t.users).set({ passwordHash }).where(eq(t.users.id, id));
    },
    /** Their sessions go with them (foreign key cascade). */
    async delete(id: string): Promise<boolean> {
      const rows = await db.delete(t.users).where(eq(t.users.id, id)).returning({ id: t.users.id });
      return rows.length > 0;
    },
  };
}
