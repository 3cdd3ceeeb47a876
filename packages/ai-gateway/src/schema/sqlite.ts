import { sql } from "drizzle-orm";
import { index, integer, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

// Epoch milliseconds here, timestamptz in pg.ts; both read back as Date.
const createdAt = () =>
  integer("created_at", { mode: "timestamp_ms" }).notNull().default(sql`(unixepoch() * 1000)`);

/** Upstream LLM providers; the API key is sealed with the data dir's secret key. */
export const aiProviders = sqliteTable("ai_providers", {
  id: text("id").primaryKey(),
  name: text("name").notNull().unique(),
  kind: text("kind", { enum: ["openai", "openai-compatible", "anthropic"] }).notNull(),
  baseUrl: text("base_url"),
  apiKeySealed: text("api_key_sealed"),
  models: text("models", { mode: "json" }).$type<string[]>().notNull().default([]),
  createdAt: createdAt(),
});

/** Aliases: one public model name mapped to an ordered list of `provider/model` targets. */
export const aiModelAliases = sqliteTable("ai_model_aliases", {
  name: text("name").primaryKey(),
  targets: text("targets", { mode: "json" }).$type<string[]>().notNull(),
  createdAt: createdAt(),
});

/** Virtual keys handed to apps instead of provider keys. */
export const aiKeys = sqliteTable(
  "ai_keys",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    keyHash: text("key_hash").notNull().unique(),
    hint: text("hint").notNull(),
    appId: text("app_id"),
    /** Set only for the key pier injects into deployments, so redeploys reuse it. */
    keySealed: text("key_sealed"),
    allowedModels: text("allowed_models", { mode: "json" }).$type<string[]>().notNull().default([]),
    requestsPerMinute: integer("requests_per_minute"),
    tokensPerMinute: integer("tokens_per_minute"),
    monthlyBudgetUsd: real("monthly_budget_usd"),
    createdAt: createdAt(),
    revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
  },
  (t) => [index("ai_keys_app_idx").on(t.appId)],
);

/** Operator overrides of the built-in price table (USD per million tokens). */
export const aiPrices = sqliteTable("ai_prices", {
  model: text("model").primaryKey(),
  inputPerMillion: real("input_per_million").notNull(),
  outputPerMillion: real("output_per_million").notNull(),
  createdAt: createdAt(),
});

export const aiSettings = sqliteTable("ai_settings", {
  key: text("key").primaryKey(),
  value: text("value", { mode: "json" }).$type<unknown>().notNull(),
  createdAt: createdAt(),
});

/** One row per gateway request, cache hits and failures included. */
export const aiUsage = sqliteTable(
  "ai_usage",
  {
    id: text("id").primaryKey(),
    createdAt: createdAt(),
    appId: text("app_id"),
    keyId: text("key_id"),
    endpoint: text("endpoint").notNull(),
    requestedModel: text("requested_model").notNull(),
    provider: text("provider"),
    model: text("model"),
    promptTokens: integer("prompt_tokens").notNull().default(0),
    completionTokens: integer("completion_tokens").notNull().default(0),
    latencyMs: integer("latency_ms").notNull(),
    ttftMs: integer("ttft_ms"),
    status: integer("status").notNull(),
    costUsd: real("cost_usd").notNull().default(0),
    cached: integer("cached", { mode: "boolean" }).notNull().default(false),
    stream: integer("stream", { mode: "boolean" }).notNull().default(false),
    attempts: integer("attempts").notNull().default(1),
    error: text("error"),
  },
  (t) => [index("ai_usage_created_idx").on(t.createdAt), index("ai_usage_key_idx").on(t.keyId, t.createdAt)],
);
