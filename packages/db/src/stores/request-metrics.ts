import { and, asc, eq, gte } from "drizzle-orm";
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
  };
}
