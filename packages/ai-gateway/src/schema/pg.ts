import { pgColumns } from "@pier/db";
import { index, integer, pgTable, primaryKey, text } from "drizzle-orm/pg-core";

// Mirror of sqlite.ts, column for column; schema-parity.test.ts fails when they drift apart.
const { boolean, createdAt, double, id, json, timestamp } = pgColumns;

export const aiProviders = pgTable("ai_providers", {
  id: id(),
  name: text("name").notNull().unique(),
  kind: text("kind", { enum: ["openai", "openai-compatible", "anthropic"] }).notNull(),
  baseUrl: text("base_url"),
  apiKeySealed: text("api_key_sealed"),
  models: json<string[]>("models").notNull().default([]),
  createdAt: createdAt(),
});

export const aiModelAliases = pgTable("ai_model_aliases", {
  name: text("name").primaryKey(),
  targets: json<string[]>("targets").notNull(),
  createdAt: createdAt(),
});

export const aiKeys = pgTable(
  "ai_keys",
  {
    id: id(),
    name: text("name").notNull(),
    keyHash: text("key_hash").notNull().unique(),
    hint: text("hint").notNull(),
    appId: text("app_id"),
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

export const aiPrices = pgTable("ai_prices", {
  model: text("model").primaryKey(),
  inputPerMillion: double("input_per_million").notNull(),
  outputPerMillion: double("output_per_million").notNull(),
  createdAt: createdAt(),
});

export const aiSettings = pgTable("ai_settings", {
  key: text("key").primaryKey(),
  value: json<unknown>("value").notNull(),
  createdAt: createdAt(),
});

export const aiUsage = pgTable(
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

export const aiConversations = pgTable(
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
