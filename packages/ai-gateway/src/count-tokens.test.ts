import { expect, test } from "bun:test";
import { countTokensRequestSchema, estimateInputTokens } from "./count-tokens.ts";

test("the estimate counts text, tool results and tools, not the format's keys nor an image's base64", () => {
  const base = { model: "m", messages: [{ role: "user", content: "abcdefgh" }] };
  expect(estimateInputTokens(countTokensRequestSchema.parse(base))).toBe(2 + 3);
  const withImage = countTokensRequestSchema.parse({
    model: "m",
    messages: [
      {
        role: "user",
        content: [
          { type: "text", text: "abcdefgh" },
          { type: "image", source: { type: "base64", media_type: "image/png", data: "A".repeat(100_000) } },
        ],
      },
    ],
  });
  expect(estimateInputTokens(withImage)).toBe(2 + 1600 + 3);
  const withTools = countTokensRequestSchema.parse({
    ...base,
    tools: [{ name: "abcd", input_schema: { type: "object" } }],
  });
  expect(estimateInputTokens(withTools)).toBeGreaterThan(5);
});
