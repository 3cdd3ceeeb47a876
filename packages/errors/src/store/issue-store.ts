import type { Database } from "@pier/db";
import { and, asc, desc, eq, inArray, lt, type SQL, sql } from "drizzle-orm";
import type { IssueStatus } from "../process/issue-status.ts";
import { errorTables, type IssueRow } from "./tables.ts";

export interface IssueFilter {
  projectId?: number;
  status?: IssueStatus;
  environment?: string;
  release?: string;
  level?: string;
  query?: string;
  sort?: "lastSeen" | "firstSeen" | "count" | "users";
  limit?: number;
  offset?: number;
}

export interface TagSummary {
  key: string;
  totalCount: number;
  topValues: { value: string; count: number; lastSeen: number }[];
}

/** Issues, their tag counts and release first-seen times: state that is updated, so it lives in SQL. */
export function createIssueStore(database: Database) {
  const t = errorTables(database);
  const { db } = database;
  const i = t.errorIssues;
  const tags = t.errorIssueTags;

  const withTag = (key: string, value: string) =>
    inArray(
      i.id,
      db
        .select({ id: tags.issueId })
        .from(tags)
        .where(and(eq(tags.key, key), eq(tags.value, value))),
    );

  return {
    async list(filter: IssueFilter): Promise<{ issues: IssueRow[]; total: number }> {
      const conditions: SQL[] = [];
      if (filter.projectId !== undefined) conditions.push(eq(i.projectId, filter.projectId));
      if (filter.status) conditions.push(eq(i.status, filter.status));
      if (filter.environment) conditions.push(withTag("environment", filter.environment));
      if (filter.release) conditions.push(withTag("release", filter.release));
      if (filter.level) conditions.push(eq(i.level, filter.level));
      // lower() on both sides: LIKE is case-insensitive on SQLite but not on PostgreSQL.
      if (filter.query) {
        // Wildcards the user typed are matched as text: `user_id` must not also find `userXid`.
        const pattern = `%${filter.query.replace(/[%_\\]/g, "\\$&").toLowerCase()}%`;
        conditions.push(sql`lower(${i.title}) like ${pattern} escape '\\'`);
      }
      const where = conditions.length > 0 ? and(...conditions) : undefined;
      const order = {
        lastSeen: [desc(i.lastSeen)],
        firstSeen: [desc(i.firstSeen)],
        count: [desc(i.count), desc(i.lastSeen)],
        users: [desc(i.usersCount), desc(i.lastSeen)],
      }[filter.sort ?? "lastSeen"];
      const [issues, [counted]] = await Promise.all([
        db
          .select()
          .from(i)
          .where(where)
          .orderBy(...order)
          .limit(filter.limit ?? 50)
          .offset(filter.offset ?? 0),
        db.select({ n: sql<number>`count(*)` }).from(i).where(where),
      ]);
      return { issues, total: Number(counted?.n ?? 0) };
    },
    async get(id: string): Promise<IssueRow | undefined> {
      const [row] = await db.select().from(i).where(eq(i.id, id)).limit(1);
      return row;
    },
    async byHashes(projectId: number, hashes: string[]): Promise<IssueRow[]> {
      if (hashes.length === 0) return [];
      return db
        .select()
        .from(i)
        .where(and(eq(i.projectId, projectId), inArray(i.hash, hashes)));
    },
    async setStatus(
      id: string,
      status: IssueStatus,
      resolvedInRelease: string | null,
      now = new Date(),
    ): Promise<IssueRow | undefined> {
      const [row] = await db
        .update(i)
        .set({
          status,
          substatus: status === "unresolved" ? "ongoing" : null,
          resolvedInRelease: status === "resolved" ? resolvedInRelease : null,
          resolvedAt: status === "resolved" ? now : null,
        })
        .where(eq(i.id, id))
        .returning();
      return row;
    },
    async delete(id: string): Promise<boolean> {
      const rows = await db.delete(i).where(eq(i.id, id)).returning({ id: i.id });
      return rows.length > 0;
    },
    async tags(issueId: string, topN = 10): Promise<TagSummary[]> {
      const rows = await db
        .select()
        .from(tags)
        .where(eq(tags.issueId, issueId))
        .orderBy(asc(tags.key), desc(tags.count));
      const byKey = new Map<string, TagSummary>();
      for (const row of rows) {
        let summary = byKey.get(row.key);
        if (!summary) {
          summary = { key: row.key, totalCount: 0, topValues: [] };
          byKey.set(row.key, summary);
        }
        summary.totalCount += row.count;
        if (summary.topValues.length < topN) {
          summary.topValues.push({ value: row.value, count: row.count, lastSeen: row.lastSeen.getTime() });
        }
      }
      return [...byKey.values()];
    },
    async releaseFirstSeen(projectId: number, versions: string[]): Promise<Map<string, number>> {
      if (versions.length === 0) return new Map();
      const r = t.errorReleases;
      const rows = await db
        .select()
        .from(r)
        .where(and(eq(r.projectId, projectId), inArray(r.version, versions)));
      return new Map(rows.map((row) => [row.version, row.firstSeen.getTime()]));
    },
    /** Issues nobody has seen within the retention period go with their events. */
    async purgeBefore(cutoff: Date): Promise<string[]> {
      const rows = await db.delete(i).where(lt(i.lastSeen, cutoff)).returning({ id: i.id });
      return rows.map((r) => r.id);
    },
  };
}

export type IssueStore = ReturnType<typeof createIssueStore>;
