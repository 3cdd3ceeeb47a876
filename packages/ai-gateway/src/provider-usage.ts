import { z } from "zod";

// Token counts as providers report them, in answers and in stream events. They decide what a key
// is charged, its tokens-per-minute window and the spend report, so none is taken as it came: an
// OpenAI-compatible server may send anything (1e308, a 20-digit integer, a string, -3).

/**
 * The most tokens one request is believed to use: far above any context window (a few million
 * tokens at most), far below what would overflow a sum of usage rows or a SQL integer column.
 */
export const maxTokensPerRequest = 100_000_000;

/**
 * A provider's token count made safe to cost and add up: a non-negative number is rounded down
 * and capped at `maxTokensPerRequest` (Infinity too: JSON.parse reads `1e999` as Infinity); anything
 * else (negative, NaN, a string, null, absent) counts as 0, as when a provider reports no usage:
 * costed at 0, and a stream's completion is then estimated from its content events (stream-relay.ts).
 */
export function tokenCount(value: unknown): number {
  if (typeof value !== "number" || Number.isNaN(value) || value < 0) return 0;
  return Math.min(maxTokensPerRequest, Math.floor(value));
}

/** A count field of a provider's usage object: always a safe number (see `tokenCount`). */
export const tokenCountSchema = z.unknown().optional().transform(tokenCount);

/** A count field that may be absent (a stream event that reports only some counts): undefined then. */
export const optionalTokenCountSchema = z
  .unknown()
  .optional()
  .transform((value) => (value == null ? undefined : tokenCount(value)));

/** Prompt and completion tokens of an answer in any of the three APIs. */
export function usageOf(json: unknown): { promptTokens: number; completionTokens: number } {
  const raw = (json as { usage?: unknown } | null | undefined)?.usage;
  const usage = raw && typeof raw === "object" ? (raw as Record<string, unknown>) : {};
  const count = (...names: string[]) => {
    for (const name of names) if (typeof usage[name] === "number") return tokenCount(usage[name]);
    return 0;
  };
  return {
    promptTokens: count("prompt_tokens", "input_tokens"),
    completionTokens: count("completion_tokens", "output_tokens"),
  };
}
