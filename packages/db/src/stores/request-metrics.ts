import { and, asc, eq, gte, inArray, sql } from "drizzle-orm";
import type { Database } from "../open.ts";

export type RequestMetricRow = Database["t"]["requestMetrics"]["$inferSelect"];

export function createRequestMetricStore({ db, t }: Database) {
  return {
    async insert(rows: RequestMetricRow[]) {
      if (rows.length > 0) await db.insert(t.requestMetrics).values(rows);
    },
    async since(appKey: string, from: Date): Promise<RequestMetricRow[]> {
      return db
        .select()
        .from(t.requestMetrics)
        .where(and(eq(t.requestMetrics.appKey, appKey), gte(t.requestMetrics.minute, from)))
        .orderBy(asc(t.requestMetrics.minute));
    },
    /** Requests and 5xx answers per app and minute since `from`: the partial rows of a minute summed. */
    async countsSince(
      appKeys: string[],
      from: Date,
    ): Promise<{ appKey: string; minute: Date; requests: number; status5xx: number }[]> {
      if (appKeys.length === 0) return [];
      const m = t.requestMetrics;
      const rows = await db
        .select({
          appKey: m.appKey,
          minute: m.minute,
          requests: sql<number>`sum(${m.requests})`,
          status5xx: sql<number>`sum(${m.status5xx})`,
        })
        .from(m)
        .where(and(inArray(m.appKey, appKeys), gte(m.minute, from)))
        .groupBy(m.appKey, m.minute);
      return rows.map((r) => ({ ...r, requests: Number(r.requests), status5xx: Number(r.status5xx) }));
    },
  };
}
