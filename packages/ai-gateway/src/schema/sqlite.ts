import { sqliteColumns } from "@pier/db";
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

// Epoch milliseconds here, timestamptz in pg.ts; both read back as Date.
const { boolean, createdAt, double, id, json, timestamp } = sqliteColumns;

/** Upstream LLM providers; the API key is sealed with the data dir's secret key. */
export const aiProviders = sqliteTable("ai_providers", {
  id: id(),
  name: text("name").notNull().unique(),
  kind: text("kind", { enum: ["openai", "openai-compatible", "anthropic"] }).notNull(),
  baseUrl: text("base_url"),
  apiKeySealed: text("api_key_sealed"),
  models: json<string[]>("models").notNull().default([]),
  createdAt: createdAt(),
});

/** Aliases: one public model name mapped to an ordered list of `provider/model` targets. */
export const aiModelAliases = sqliteTable("ai_model_aliases", {
  name: text("name").primaryKey(),
  targets: json<string[]>("targets").notNull(),
  createdAt: createdAt(),
});

/** Virtual keys handed to apps instead of provider keys. */
export const aiKeys = sqliteTable(
  "ai_keys",
  {
    id: id(),
    name: text("name").notNull(),
    keyHash: text("key_hash").notNull().unique(),
    hint: text("hint").notNull(),
    appId: text("app_id"),
    /** Set only for the key pier injects into deployments, so redeploys reuse it. */
    keySealed: text("key_sealed"),
    allowedModels: json<string[]>("allowed_models").notNull().default([]),
    requestsPerMinute: integer("requests_per_minute"),
    tokensPerMinute: integer("tokens_per_minute"),
    monthlyBudgetUsd: double("monthly_budget_usd"),
    createdAt: createdAt(),
    revokedAt: timestamp("revoked_at"),
  },
  (t) => [index("ai_keys_app_idx").on(t.appId)],
);

/** Operator overrides of the built-in price table (USD per million tokens). */
export const aiPrices = sqliteTable("ai_prices", {
  model: text("model").primaryKey(),
  inputPerMillion: double("input_per_million").notNull(),
  outputPerMillion: double("output_per_million").notNull(),
  createdAt: createdAt(),
});

export const aiSettings = sqliteTable("ai_settings", {
  key: text("key").primaryKey(),
  value: json<unknown>("value").notNull(),
  createdAt: createdAt(),
});

/** One row per gateway request, cache hits and failures included. */
export const aiUsage = sqliteTable(
  "ai_usage",
  {
    id: id(),
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
    costUsd: double("cost_usd").notNull().default(0),
    cached: boolean("cached").notNull().default(false),
    stream: boolean("stream").notNull().default(false),
    attempts: integer("attempts").notNull().default(1),
    error: text("error"),
  },
  (t) => [index("ai_usage_created_idx").on(t.createdAt), index("ai_usage_key_idx").on(t.keyId, t.createdAt)],
);

/**
 * The conversation a Responses API answer ended, for a later `previous_response_id`, when pier
 * answered it through chat completions (a provider with its own /responses keeps its own). Per
 * key scope (the key's app, else the key); kept for 30 days (conversations.ts).
 */
export const aiConversations = sqliteTable(
  "ai_conversations",
  {
    scope: text("scope").notNull(),
    responseId: text("response_id").notNull(),
    messages: text("messages").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.scope, t.responseId] }),
    index("ai_conversations_created_idx").on(t.createdAt),
  ],
);
