import type { Database } from "@pier/db";
import { and, desc, eq, gte, lt, sql } from "drizzle-orm";
import * as pgSchema from "./schema/pg.ts";
import * as sqliteSchema from "./schema/sqlite.ts";
import type { UsageLog } from "./usage-log.ts";

/** The usage log in the control-plane database (SQLite or PostgreSQL). */
export function createSqlUsageLog(database: Database): UsageLog {
  const t = (database.dialect === "postgres" ? pgSchema : sqliteSchema) as unknown as typeof sqliteSchema;
  const { db } = database;
  // The bucket size is inlined (an integer we computed), not bound: PostgreSQL only accepts the
  // grouped expression in SELECT when it is textually the same, and each binding gets a new $n.
  const bucketOf = (ms: number) => {
    const size = sql.raw(String(Math.trunc(ms)));
    return database.dialect === "postgres"
      ? sql<number>`(floor(extract(epoch from ${t.aiUsage.createdAt}) * 1000 / ${size})::bigint * ${size})`
      : sql<number>`((${t.aiUsage.createdAt} / ${size}) * ${size})`;
  };
  return {
    kind: "sql",
    async insert(row) {
      await db.insert(t.aiUsage).values(row);
    },
    async costSince(keyId, since) {
      const [row] = await db
        .select({ cost: sql<number>`coalesce(sum(${t.aiUsage.costUsd}), 0)`.mapWith(Number) })
        .from(t.aiUsage)
        .where(and(eq(t.aiUsage.keyId, keyId), gte(t.aiUsage.createdAt, since)));
      return row?.cost ?? 0;
    },
    async recent(options) {
      return db
        .select()
        .from(t.aiUsage)
        .where(options.appId ? eq(t.aiUsage.appId, options.appId) : undefined)
        .orderBy(desc(t.aiUsage.createdAt))
        .limit(options.limit);
    },
    /** Spend per bucket, app and provider/model; grouped in SQL so a month of traffic stays one query. */
    async spend(options) {
      const bucket = bucketOf(options.bucketMs);
      const model = sql<string>`coalesce(${t.aiUsage.provider} || '/' || ${t.aiUsage.model}, ${t.aiUsage.requestedModel})`;
      const conditions = [gte(t.aiUsage.createdAt, options.from), lt(t.aiUsage.createdAt, options.to)];
      if (options.appId) conditions.push(eq(t.aiUsage.appId, options.appId));
      const rows = await db
        .select({
          bucket: bucket.mapWith(Number),
          appId: t.aiUsage.appId,
          model,
          requests: sql<number>`count(*)`.mapWith(Number),
          promptTokens: sql<number>`coalesce(sum(${t.aiUsage.promptTokens}), 0)`.mapWith(Number),
          completionTokens: sql<number>`coalesce(sum(${t.aiUsage.completionTokens}), 0)`.mapWith(Number),
          costUsd: sql<number>`coalesce(sum(${t.aiUsage.costUsd}), 0)`.mapWith(Number),
        })
        .from(t.aiUsage)
        .where(and(...conditions))
        .groupBy(bucket, t.aiUsage.appId, model)
        .orderBy(bucket);
      return rows;
    },
    close: async () => {},
  };
}
