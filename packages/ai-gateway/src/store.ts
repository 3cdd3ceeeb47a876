import type { Database } from "@pier/db";
import { and, asc, desc, eq, gte, isNull, lt, sql } from "drizzle-orm";
import * as pgSchema from "./schema/pg.ts";
import * as sqliteSchema from "./schema/sqlite.ts";
import type { UsageLog } from "./usage-log.ts";
import { createSqlUsageLog } from "./usage-log-sql.ts";

type Tables = typeof sqliteSchema;
export type ProviderRow = Tables["aiProviders"]["$inferSelect"];
export type AliasRow = Tables["aiModelAliases"]["$inferSelect"];
export type KeyRow = Tables["aiKeys"]["$inferSelect"];
export type PriceRow = Tables["aiPrices"]["$inferSelect"];

/**
 * The gateway's tables on either database (the pg tables share names and JS types, see the parity
 * test). The usage log defaults to the same database; `usage` swaps in ClickHouse.
 */
export function createAiStore(database: Database, options: { usage?: UsageLog } = {}) {
  const t = (database.dialect === "postgres" ? pgSchema : sqliteSchema) as unknown as Tables;
  const { db } = database;
  const usage = options.usage ?? createSqlUsageLog(database);
  /** A revoked key is final: neither edited nor revoked again (undefined when missing or revoked). */
  async function updateActiveKey(id: string, set: Partial<KeyRow>): Promise<KeyRow | undefined> {
    const [row] = await db
      .update(t.aiKeys)
      .set(set)
      .where(and(eq(t.aiKeys.id, id), isNull(t.aiKeys.revokedAt)))
      .returning();
    return row;
  }

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
      async update(
        id: string,
        patch: Partial<
          Pick<KeyRow, "allowedModels" | "requestsPerMinute" | "tokensPerMinute" | "monthlyBudgetUsd">
        >,
      ): Promise<KeyRow | undefined> {
        return updateActiveKey(id, patch);
      },
      revoke: (id: string): Promise<KeyRow | undefined> => updateActiveKey(id, { revokedAt: new Date() }),
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
    conversations: {
      async find(scope: string, responseId: string): Promise<string | undefined> {
        const c = t.aiConversations;
        const [row] = await db
          .select({ messages: c.messages })
          .from(c)
          .where(
            and(eq(c.scope, scope), eq(c.responseId, responseId), gte(c.createdAt, conversationsFrom())),
          );
        return row?.messages;
      },
      async save(scope: string, responseId: string, messages: string): Promise<void> {
        await db
          .insert(t.aiConversations)
          .values({ scope, responseId, messages })
          .onConflictDoUpdate({
            target: [t.aiConversations.scope, t.aiConversations.responseId],
            set: { messages },
          });
      },
      /** Drops what is older than the retention; how many rows went. */
      async prune(): Promise<number> {
        const c = t.aiConversations;
        const gone = await db
          .delete(c)
          .where(lt(c.createdAt, conversationsFrom()))
          .returning({ id: c.responseId });
        return gone.length;
      },
    },
    usage,
  };
}

/** How long a conversation can be continued with previous_response_id, as OpenAI keeps responses. */
export const CONVERSATION_RETENTION_MS = 30 * 24 * 3600_000;
const conversationsFrom = () => new Date(Date.now() - CONVERSATION_RETENTION_MS);

export type AiStore = ReturnType<typeof createAiStore>;
