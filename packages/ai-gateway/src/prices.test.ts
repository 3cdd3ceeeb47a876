import { expect, test } from "bun:test";
import { costUsd, findPrice } from "./prices.ts";

test("dated variants use the longest built-in prefix", () => {
  expect(findPrice("openai", "gpt-4o-mini-2024-07-18", new Map())).toEqual({
    inputPerMillion: 0.15,
    outputPerMillion: 0.6,
  });
  expect(findPrice("openai", "gpt-4o-2024-08-06", new Map())).toEqual({
    inputPerMillion: 2.5,
    outputPerMillion: 10,
  });
  expect(findPrice("claude", "claude-3-5-haiku-latest", new Map())?.inputPerMillion).toBe(0.8);
  expect(findPrice("local", "llama3", new Map())).toBeUndefined();
});

test("overrides: provider/model beats model beats built-in", () => {
  const overrides = new Map([
    ["gpt-4o", { inputPerMillion: 1, outputPerMillion: 1 }],
    ["azure/gpt-4o", { inputPerMillion: 2, outputPerMillion: 2 }],
  ]);
  expect(findPrice("openai", "gpt-4o", overrides)?.inputPerMillion).toBe(1);
  expect(findPrice("azure", "gpt-4o", overrides)?.inputPerMillion).toBe(2);
});

test("cost is tokens times price per million; unpriced models cost nothing", () => {
  expect(costUsd({ inputPerMillion: 3, outputPerMillion: 15 }, 1000, 500)).toBeCloseTo(0.0105, 10);
  expect(costUsd(undefined, 1000, 500)).toBe(0);
});
