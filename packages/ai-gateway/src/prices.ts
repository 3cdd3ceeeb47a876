/** USD per million tokens. */
export interface Price {
  inputPerMillion: number;
  outputPerMillion: number;
}

/**
 * Public list prices when this table was written; operators override any entry (PUT
 * /api/v1/ai/prices/:model) without a new binary. Keys are model names without the provider, and a
 * dated variant (gpt-4o-2024-08-06) falls back to the longest matching prefix.
 */
export const builtinPrices: Readonly<Record<string, Price>> = {
  "gpt-4o": { inputPerMillion: 2.5, outputPerMillion: 10 },
  "gpt-4o-mini": { inputPerMillion: 0.15, outputPerMillion: 0.6 },
  "gpt-4.1": { inputPerMillion: 2, outputPerMillion: 8 },
  "gpt-4.1-mini": { inputPerMillion: 0.4, outputPerMillion: 1.6 },
  "gpt-4.1-nano": { inputPerMillion: 0.1, outputPerMillion: 0.4 },
  "gpt-3.5-turbo": { inputPerMillion: 0.5, outputPerMillion: 1.5 },
  o1: { inputPerMillion: 15, outputPerMillion: 60 },
  "o3-mini": { inputPerMillion: 1.1, outputPerMillion: 4.4 },
  "o4-mini": { inputPerMillion: 1.1, outputPerMillion: 4.4 },
  "text-embedding-3-small": { inputPerMillion: 0.02, outputPerMillion: 0 },
  "text-embedding-3-large": { inputPerMillion: 0.13, outputPerMillion: 0 },
  "text-embedding-ada-002": { inputPerMillion: 0.1, outputPerMillion: 0 },
  "claude-3-5-haiku": { inputPerMillion: 0.8, outputPerMillion: 4 },
  "claude-3-5-sonnet": { inputPerMillion: 3, outputPerMillion: 15 },
  "claude-3-7-sonnet": { inputPerMillion: 3, outputPerMillion: 15 },
  "claude-3-opus": { inputPerMillion: 15, outputPerMillion: 75 },
  "claude-3-haiku": { inputPerMillion: 0.25, outputPerMillion: 1.25 },
  "claude-sonnet-4": { inputPerMillion: 3, outputPerMillion: 15 },
  "claude-opus-4": { inputPerMillion: 15, outputPerMillion: 75 },
  "claude-haiku-4": { inputPerMillion: 1, outputPerMillion: 5 },
};

/** Override for `provider/model` beats override for `model` beats the built-in table. */
export function findPrice(
  provider: string,
  model: string,
  overrides: ReadonlyMap<string, Price>,
): Price | undefined {
  const exact = overrides.get(`${provider}/${model}`) ?? overrides.get(model) ?? builtinPrices[model];
  if (exact) return exact;
  let best: string | undefined;
  for (const name of Object.keys(builtinPrices)) {
    if (model.startsWith(`${name}-`) && (!best || name.length > best.length)) best = name;
  }
  return best ? builtinPrices[best] : undefined;
}

export function costUsd(price: Price | undefined, promptTokens: number, completionTokens: number): number {
  if (!price) return 0;
  return (promptTokens * price.inputPerMillion + completionTokens * price.outputPerMillion) / 1_000_000;
}
