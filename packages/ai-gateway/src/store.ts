import type { Database } from "@pier/db";
import { and, asc, desc, eq, gte, isNull, lt, sql } from "drizzle-orm";
import * as pgSchema from "./schema/pg.ts";
import * as sqliteSchema from "./schema/sqlite.ts";

type Tables = typeof sqliteSchema;
export type ProviderRow = Tables["aiProviders"]["$inferSelect"];
export type AliasRow = Tables["aiModelAliases"]["$inferSelect"];
export type KeyRow = Tables["aiKeys"]["$inferSelect"];
export type PriceRow = Tables["aiPrices"]["$inferSelect"];
export type UsageRow = Tables["aiUsage"]["$inferSelect"];
export type NewUsage = Tables["aiUsage"]["$inferInsert"];

export interface SpendBucket {
  bucket: number;
  appId: string | null;
  model: string;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
}

/** The gateway's tables on either database: the pg tables share names and JS types (parity test). */
export function createAiStore(database: Database) {
  const t = (database.dialect === "postgres" ? pgSchema : sqliteSchema) as unknown as Tables;
  const { db } = database;
  const bucketOf = (ms: number) =>
    database.dialect === "postgres"
      ? sql<number>`(floor(extract(epoch from ${t.aiUsage.createdAt}) * 1000 / ${ms})::bigint * ${ms})`
      : sql<number>`((${t.aiUsage.createdAt} / ${ms}) * ${ms})`;

  return {
    providers: {
      list: (): Promise<ProviderRow[]> => db.select().from(t.aiProviders).orderBy(asc(t.aiProviders.name)),
      async upsert(row: Omit<ProviderRow, "createdAt">): Promise<void> {
        const { id: _id, ...changes } = row;
        await db
          .insert(t.aiProviders)
          .values(row)
          .onConflictDoUpdate({ target: t.aiProviders.name, set: changes });
      },
      async delete(name: string): Promise<boolean> {
        const rows = await db
          .delete(t.aiProviders)
          .where(eq(t.aiProviders.name, name))
          .returning({ id: t.aiProviders.id });
        return rows.length > 0;
      },
    },
    aliases: {
      list: (): Promise<AliasRow[]> => db.select().from(t.aiModelAliases).orderBy(asc(t.aiModelAliases.name)),
      async upsert(name: string, targets: string[]): Promise<void> {
        await db
          .insert(t.aiModelAliases)
          .values({ name, targets })
          .onConflictDoUpdate({ target: t.aiModelAliases.name, set: { targets } });
      },
      async delete(name: string): Promise<boolean> {
        const rows = await db
          .delete(t.aiModelAliases)
          .where(eq(t.aiModelAliases.name, name))
          .returning({ name: t.aiModelAliases.name });
        return rows.length > 0;
      },
    },
    keys: {
      async create(row: Omit<KeyRow, "createdAt" | "revokedAt">): Promise<KeyRow> {
        const [created] = await db.insert(t.aiKeys).values(row).returning();
        return created!;
      },
      list: (): Promise<KeyRow[]> => db.select().from(t.aiKeys).orderBy(desc(t.aiKeys.createdAt)),
      async findActiveByHash(keyHash: string): Promise<KeyRow | undefined> {
        const [row] = await db
          .select()
          .from(t.aiKeys)
          .where(and(eq(t.aiKeys.keyHash, keyHash), isNull(t.aiKeys.revokedAt)))
          .limit(1);
        return row;
      },
      async findDeployKey(appId: string): Promise<KeyRow | undefined> {
        const [row] = await db
          .select()
          .from(t.aiKeys)
          .where(
            and(
              eq(t.aiKeys.appId, appId),
              isNull(t.aiKeys.revokedAt),
              sql`${t.aiKeys.keySealed} is not null`,
            ),
          )
          .limit(1);
        return row;
      },
      async revoke(id: string): Promise<KeyRow | undefined> {
        const [row] = await db
          .update(t.aiKeys)
          .set({ revokedAt: new Date() })
          .where(and(eq(t.aiKeys.id, id), isNull(t.aiKeys.revokedAt)))
          .returning();
        return row;
      },
    },
    prices: {
      list: (): Promise<PriceRow[]> => db.select().from(t.aiPrices).orderBy(asc(t.aiPrices.model)),
      async upsert(model: string, inputPerMillion: number, outputPerMillion: number): Promise<void> {
        await db
          .insert(t.aiPrices)
          .values({ model, inputPerMillion, outputPerMillion })
          .onConflictDoUpdate({ target: t.aiPrices.model, set: { inputPerMillion, outputPerMillion } });
      },
      async delete(model: string): Promise<boolean> {
        const rows = await db
          .delete(t.aiPrices)
          .where(eq(t.aiPrices.model, model))
          .returning({ model: t.aiPrices.model });
        return rows.length > 0;
      },
    },
    settings: {
      async get(key: string): Promise<unknown> {
        const [row] = await db.select().from(t.aiSettings).where(eq(t.aiSettings.key, key)).limit(1);
        return row?.value;
      },
      async set(key: string, value: unknown): Promise<void> {
        await db
          .insert(t.aiSettings)
          .values({ key, value })
          .onConflictDoUpdate({ target: t.aiSettings.key, set: { value } });
      },
    },
    usage: {
      async insert(row: NewUsage): Promise<void> {
        await db.insert(t.aiUsage).values(row);
      },
      async costSince(keyId: string, since: Date): Promise<number> {
        const [row] = await db
          .select({ cost: sql<number>`coalesce(sum(${t.aiUsage.costUsd}), 0)`.mapWith(Number) })
          .from(t.aiUsage)
          .where(and(eq(t.aiUsage.keyId, keyId), gte(t.aiUsage.createdAt, since)));
        return row?.cost ?? 0;
      },
      async recent(options: { limit: number; appId?: string }): Promise<UsageRow[]> {
        return db
          .select()
          .from(t.aiUsage)
          .where(options.appId ? eq(t.aiUsage.appId, options.appId) : undefined)
          .orderBy(desc(t.aiUsage.createdAt))
          .limit(options.limit);
      },
      /** Spend per bucket, app and provider/model; grouped in SQL so a month of traffic stays one query. */
      async spend(options: {
        from: Date;
        to: Date;
        bucketMs: number;
        appId?: string;
      }): Promise<SpendBucket[]> {
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
    },
  };
}

export type AiStore = ReturnType<typeof createAiStore>;
