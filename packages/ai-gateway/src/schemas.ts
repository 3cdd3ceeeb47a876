import { z } from "zod";

/** Names that appear in `provider/model` and in the URL of admin routes. */
export const providerNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, "lowercase letters, digits and dashes, at most 40 characters");

export const providerKindSchema = z.enum(["openai", "openai-compatible", "anthropic"]);
export type ProviderKind = z.infer<typeof providerKindSchema>;

// Create bodies are strict like the patches: a misspelt field is a 400 naming it, not dropped.
export const providerBodySchema = z
  .strictObject({
    name: providerNameSchema,
    kind: providerKindSchema,
    baseUrl: z.url().optional(),
    apiKey: z.string().min(1).optional(),
    models: z.array(z.string().min(1)).max(500).default([]),
  })
  .refine((p) => p.kind !== "openai-compatible" || p.baseUrl, {
    message: "an openai-compatible provider needs baseUrl (e.g. http://127.0.0.1:11434/v1)",
    path: ["baseUrl"],
  });
export type ProviderBody = z.infer<typeof providerBodySchema>;

/** A target is always `provider/model`; the model part may itself contain slashes (OpenRouter). */
export const targetSchema = z.string().regex(/^[a-z0-9][a-z0-9-]*\/.+$/, "must be provider/model");

export const aliasBodySchema = z.strictObject({
  name: z.string().min(1).max(100),
  targets: z.array(targetSchema).min(1).max(10),
});
export type AliasBody = z.infer<typeof aliasBodySchema>;

export const keyBodySchema = z.strictObject({
  name: z.string().min(1).max(100),
  app: z.string().min(1).optional(),
  allowedModels: z.array(z.string().min(1)).max(100).default([]),
  requestsPerMinute: z.number().int().positive().optional(),
  tokensPerMinute: z.number().int().positive().optional(),
  monthlyBudgetUsd: z.number().nonnegative().optional(),
});
export type KeyBody = z.infer<typeof keyBodySchema>;

/** Limits of an existing key; null clears a limit. */
export const keyPatchSchema = z
  .strictObject({
    allowedModels: z.array(z.string().min(1)).max(100).optional(),
    requestsPerMinute: z.number().int().positive().nullable().optional(),
    tokensPerMinute: z.number().int().positive().nullable().optional(),
    monthlyBudgetUsd: z.number().nonnegative().nullable().optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, {
    message: "nothing to change: set allowedModels, requestsPerMinute, tokensPerMinute or monthlyBudgetUsd",
  });
export type KeyPatch = z.infer<typeof keyPatchSchema>;

export const priceBodySchema = z.strictObject({
  inputPerMillion: z.number().nonnegative(),
  outputPerMillion: z.number().nonnegative(),
});

export const gatewaySettingsSchema = z.object({
  /** Per attempt, until the provider's response headers arrive (non-streaming: the whole body). */
  timeoutMs: z.number().int().min(100).max(600_000).default(60_000),
  /** Extra attempts on the same target before moving to the next fallback. */
  retries: z.number().int().min(0).max(5).default(1),
  backoffMs: z.number().int().min(0).max(30_000).default(250),
  cacheTtlSeconds: z
    .number()
    .int()
    .min(0)
    .max(7 * 86_400)
    .default(300),
  cacheMaxEntries: z.number().int().min(0).max(100_000).default(1000),
});
export type GatewaySettings = z.infer<typeof gatewaySettingsSchema>;
// Unwrapped: zod 4 applies defaults under .optional(), so `{retries}` would reset every other setting.
const settingFields = gatewaySettingsSchema.shape;
export const settingsPatchSchema = z.strictObject({
  timeoutMs: settingFields.timeoutMs.unwrap().optional(),
  retries: settingFields.retries.unwrap().optional(),
  backoffMs: settingFields.backoffMs.unwrap().optional(),
  cacheTtlSeconds: settingFields.cacheTtlSeconds.unwrap().optional(),
  cacheMaxEntries: settingFields.cacheMaxEntries.unwrap().optional(),
});

/**
 * The `model` of a client request, on every endpoint. It is routed, logged and sent to providers
 * (in JSON, and by some servers into URLs or logs of their own): a control character there is
 * never a model name, only a way to confuse one of them.
 */
export const modelSchema = z
  .string()
  .min(1)
  .regex(/^[^\p{Cc}]+$/u, "must not contain control characters (NUL, line breaks, tabs…)");

/**
 * What OpenAI's embeddings `input` and completions `prompt` take: text, texts, token ids, or lists
 * of token ids.
 */
const textOrTokensSchema = z.union(
  [
    z.string(),
    z.array(z.string()),
    z.array(z.number().int().nonnegative()),
    z.array(z.array(z.number().int().nonnegative())),
  ],
  {
    error: "must be a string, an array of strings, an array of token ids or an array of arrays of token ids",
  },
);

/** The fields the gateway reads; everything else is forwarded to the provider untouched. */
export const chatRequestSchema = z.looseObject({
  model: modelSchema,
  messages: z.array(z.looseObject({ role: z.string(), content: z.unknown() })).min(1),
  stream: z.boolean().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  max_tokens: z.number().int().positive().nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
  temperature: z.number().nullish(),
  top_p: z.number().nullish(),
  stop: z.union([z.string(), z.array(z.string())]).nullish(),
});
export type ChatRequest = z.infer<typeof chatRequestSchema>;

export const completionRequestSchema = z.looseObject({
  model: modelSchema,
  prompt: textOrTokensSchema.nullish(),
  stream: z.boolean().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
});

export const embeddingRequestSchema = z.looseObject({
  model: modelSchema,
  input: textOrTokensSchema,
});
