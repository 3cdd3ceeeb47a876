import { defineRoutes, timestamp } from "@pier/http/contract";
import { z } from "zod";
import {
  aliasBodySchema,
  gatewaySettingsSchema,
  keyBodySchema,
  keyPatchSchema,
  priceBodySchema,
  providerBodySchema,
  providerKindSchema,
  settingsPatchSchema,
} from "../schemas.ts";

// Model and alias names may hold slashes (`openrouter/meta/llama-3`): in `/aliases/:name` and
// `/prices/:model` the parameter is the rest of the path, slashes as they are or as %2F.

/** Model names are free-form (`gpt-4o`, `openrouter/meta/llama-3`) but printable and short. */
export const priceModelSchema = z
  .string()
  .min(1)
  .max(200, "a model name is at most 200 characters")
  .regex(/^[^\p{Cc}\s]+$/u, "a model name has no spaces or control characters");

const isoInstant = z.iso.datetime({ offset: true, error: "an ISO date and time, e.g. 2026-03-01T00:00:00Z" });

const spendQuery = z.object({
  from: isoInstant.optional(),
  to: isoInstant.optional(),
  interval: z.enum(["hour", "day"]).default("day"),
  app: z.string().optional(),
});

const usageQuery = z.object({
  // Lenient, as it always was: anything but a number reads as the default.
  limit: z
    .string()
    .describe("rows, 1 to 1000 (default 100)")
    .optional()
    .transform((raw) => Math.min(1000, Math.max(1, Number(raw ?? 100) || 100))),
  app: z.string().optional(),
});

/** A provider as the API shows it: its API key never leaves the server, only whether one is set. */
const providerView = z.object({
  name: z.string(),
  kind: providerKindSchema,
  baseUrl: z.string().nullable(),
  hasApiKey: z.boolean(),
  models: z.array(z.string()),
});

const aliasView = z.object({ name: z.string(), targets: z.array(z.string()) });

/** A virtual key: its secret is shown once, when it is created; `hint` ends like it. */
export const keyView = z.object({
  id: z.string(),
  name: z.string(),
  hint: z.string(),
  /** The app's name (its id when the app is gone), or null for a key of no app. */
  app: z.string().nullable(),
  allowedModels: z.array(z.string()),
  requestsPerMinute: z.number().nullable(),
  tokensPerMinute: z.number().nullable(),
  monthlyBudgetUsd: z.number().nullable(),
  createdAt: timestamp(),
  revokedAt: timestamp().nullable(),
});

/** What an active key used against its limits (the list of keys shows it). */
const keyUsageView = z.object({
  /** Cost of the current calendar month (UTC), what the monthly budget is checked against. */
  monthUsd: z.number(),
  /** Requests and tokens of the last 60 seconds, what the per-minute limits are checked against. */
  lastMinute: z.object({ requests: z.number(), tokens: z.number() }),
});

/** USD per million tokens. */
const priceView = z.object({ inputPerMillion: z.number(), outputPerMillion: z.number() });

/** One gateway request, cache hits and failures included. */
export const usageView = z.object({
  id: z.string(),
  createdAt: timestamp(),
  appId: z.string().nullable(),
  app: z.string().nullable(),
  keyId: z.string().nullable(),
  endpoint: z.string(),
  requestedModel: z.string(),
  /** The provider and model that answered (null when none did). */
  provider: z.string().nullable(),
  model: z.string().nullable(),
  promptTokens: z.number(),
  completionTokens: z.number(),
  latencyMs: z.number(),
  ttftMs: z.number().nullable(),
  status: z.number(),
  costUsd: z.number(),
  cached: z.boolean(),
  stream: z.boolean(),
  attempts: z.number(),
  error: z.string().nullable(),
});

const totals = z.object({
  requests: z.number(),
  promptTokens: z.number(),
  completionTokens: z.number(),
  costUsd: z.number(),
});

export const spendView = z.object({
  from: timestamp(),
  to: timestamp(),
  interval: z.enum(["hour", "day"]),
  total: totals,
  /** Most expensive first; requests of no app are under "(no app)". */
  byApp: z.array(totals.extend({ app: z.string() })),
  byModel: z.array(totals.extend({ model: z.string() })),
  /** One row per bucket, app and model that had requests. */
  series: z.array(totals.extend({ bucket: timestamp(), app: z.string(), model: z.string() })),
});

const deleted = z.object({ deleted: z.literal(true) });

/** `/api/v1/ai`: the AI gateway's providers, model aliases, virtual keys, prices, settings and spend. */
export const aiRoutes = defineRoutes({
  aiListProviders: {
    method: "GET",
    path: "/api/v1/ai/providers",
    tag: "ai-gateway",
    access: "read",
    summary: "Upstream LLM providers (whether an API key is stored, never the key)",
    response: z.object({ providers: z.array(providerView) }),
  },
  aiSaveProvider: {
    method: "POST",
    path: "/api/v1/ai/providers",
    tag: "ai-gateway",
    access: "admin",
    summary: "Add or replace a provider; its API key is stored sealed",
    body: providerBodySchema,
    status: 201,
    response: z.object({ provider: providerView }),
  },
  aiDeleteProvider: {
    method: "DELETE",
    path: "/api/v1/ai/providers/:name",
    tag: "ai-gateway",
    access: "admin",
    summary: "Remove a provider",
    response: deleted,
  },
  aiListAliases: {
    method: "GET",
    path: "/api/v1/ai/aliases",
    tag: "ai-gateway",
    access: "read",
    summary: "Model aliases and their provider/model targets, in fallback order",
    response: z.object({ aliases: z.array(aliasView) }),
  },
  aiSaveAlias: {
    method: "POST",
    path: "/api/v1/ai/aliases",
    tag: "ai-gateway",
    access: "admin",
    summary: "Map a model name to provider/model targets, tried in order",
    body: aliasBodySchema,
    status: 201,
    response: z.object({ alias: aliasView }),
  },
  aiDeleteAlias: {
    method: "DELETE",
    path: "/api/v1/ai/aliases/:name",
    tag: "ai-gateway",
    access: "admin",
    summary: "Remove a model alias (the name may hold slashes)",
    response: deleted,
  },
  aiListKeys: {
    method: "GET",
    path: "/api/v1/ai/keys",
    tag: "ai-gateway",
    access: "read",
    summary: "Virtual keys, newest first, revoked ones included; active ones with their usage",
    response: z.object({ keys: z.array(keyView.extend({ usage: keyUsageView.nullable() })) }),
  },
  aiCreateKey: {
    method: "POST",
    path: "/api/v1/ai/keys",
    tag: "ai-gateway",
    access: "write",
    summary: "Issue a virtual key with optional models, rate limits and budget (the secret is shown once)",
    body: keyBodySchema,
    status: 201,
    response: z.object({ key: keyView, secret: z.string() }),
  },
  aiUpdateKey: {
    method: "PATCH",
    path: "/api/v1/ai/keys/:id",
    tag: "ai-gateway",
    access: "write",
    summary: "Change a key's models and limits (null clears a limit); applies from the next request",
    body: keyPatchSchema,
    response: z.object({ key: keyView }),
  },
  aiRevokeKey: {
    method: "DELETE",
    path: "/api/v1/ai/keys/:id",
    tag: "ai-gateway",
    access: "write",
    summary: "Revoke a key (kept for the record)",
    response: z.object({ key: keyView }),
  },
  aiListPrices: {
    method: "GET",
    path: "/api/v1/ai/prices",
    tag: "ai-gateway",
    access: "read",
    summary: "The built-in price table and the operator's overrides, by model",
    response: z.object({
      builtin: z.record(z.string(), priceView),
      overrides: z.record(z.string(), priceView),
    }),
  },
  aiSetPrice: {
    method: "PUT",
    path: "/api/v1/ai/prices/:model",
    tag: "ai-gateway",
    access: "admin",
    summary: "Override the price of `model` or `provider/model` (slashes allowed in the path)",
    params: z.object({ model: priceModelSchema }),
    body: priceBodySchema,
    response: z.object({ model: z.string(), price: priceView }),
  },
  aiDeletePrice: {
    method: "DELETE",
    path: "/api/v1/ai/prices/:model",
    tag: "ai-gateway",
    access: "admin",
    summary: "Remove a price override (slashes allowed in the path)",
    response: deleted,
  },
  aiGetSettings: {
    method: "GET",
    path: "/api/v1/ai/settings",
    tag: "ai-gateway",
    access: "read",
    summary: "Timeouts, retries, back-off and the response cache",
    response: z.object({ settings: gatewaySettingsSchema }),
  },
  aiUpdateSettings: {
    method: "PATCH",
    path: "/api/v1/ai/settings",
    tag: "ai-gateway",
    access: "admin",
    summary: "Change gateway settings (fields left out stay as they are)",
    body: settingsPatchSchema,
    response: z.object({ settings: gatewaySettingsSchema }),
  },
  aiClearCache: {
    method: "POST",
    path: "/api/v1/ai/cache/clear",
    tag: "ai-gateway",
    access: "admin",
    summary: "Empty the response cache",
    response: z.object({ cleared: z.literal(true) }),
  },
  aiListUsage: {
    method: "GET",
    path: "/api/v1/ai/usage",
    tag: "ai-gateway",
    access: "read",
    summary: "The latest gateway requests, newest first (of one app)",
    query: usageQuery,
    response: z.object({ usage: z.array(usageView) }),
  },
  aiSpend: {
    method: "GET",
    path: "/api/v1/ai/spend",
    tag: "ai-gateway",
    access: "read",
    summary: "Spend per app and model over a range (default the last 30 days by day)",
    query: spendQuery,
    response: spendView,
  },
});
