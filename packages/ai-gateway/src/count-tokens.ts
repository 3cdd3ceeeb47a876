import { z } from "zod";
import { modelSchema } from "./schemas.ts";

// Anthropic's `POST /v1/messages/count_tokens` (the SDK's `messages.countTokens`, which agents call
// to size their context): an Anthropic provider counts exactly; for any other pier estimates.

export const countTokensRequestSchema = z.looseObject({
  model: modelSchema,
  messages: z.array(z.looseObject({ role: z.enum(["user", "assistant"]), content: z.unknown() })).min(1),
  system: z.unknown().optional(),
  tools: z.array(z.unknown()).optional(),
});
export type CountTokensRequest = z.infer<typeof countTokensRequestSchema>;

/** Keys whose values are the format's own words, not the model's input. */
const structural = new Set(["type", "role", "id", "tool_use_id", "cache_control"]);

function textLength(value: unknown): number {
  if (typeof value === "string") return value.length;
  if (Array.isArray(value)) return value.reduce((sum: number, v) => sum + textLength(v), 0);
  if (value && typeof value === "object") {
    const block = value as Record<string, unknown>;
    // An image costs about as much as a short paragraph of text whatever its bytes; its base64 is not text.
    if (block.type === "image") return 1600 * 4;
    return Object.entries(block).reduce((sum, [k, v]) => sum + (structural.has(k) ? 0 : textLength(v)), 0);
  }
  return 0;
}

/** About four characters per token (OpenAI's and Anthropic's rule of thumb for English), plus a few per turn. */
export function estimateInputTokens(request: CountTokensRequest): number {
  const chars = textLength(request.messages) + textLength(request.system) + textLength(request.tools);
  return Math.ceil(chars / 4) + 3 * request.messages.length;
}
