import { expect, test } from "bun:test";
import { isModelAllowed, parseTarget, resolveTargets, UnknownModelError } from "./model-routing.ts";

const providers = new Set(["openai", "claude", "router"]);
const aliases = new Map([
  ["smart", ["openai/gpt-4o", "gone/model", "claude/claude-sonnet-4"]],
  ["orphan", ["gone/model"]],
]);

test("provider/model keeps slashes after the provider (OpenRouter style)", () => {
  expect(parseTarget("router/meta-llama/llama-3-70b")).toEqual({
    provider: "router",
    model: "meta-llama/llama-3-70b",
  });
  expect(parseTarget("nomodel/")).toBeUndefined();
  expect(parseTarget("gpt-4o")).toBeUndefined();
});

test("an alias expands to its fallbacks in order, skipping providers that no longer exist", () => {
  expect(resolveTargets("smart", aliases, providers)).toEqual([
    { provider: "openai", model: "gpt-4o" },
    { provider: "claude", model: "claude-sonnet-4" },
  ]);
  expect(resolveTargets("openai/gpt-4o-mini", aliases, providers)).toEqual([
    { provider: "openai", model: "gpt-4o-mini" },
  ]);
});

test("unknown models and aliases whose providers are all gone are 404s", () => {
  expect(() => resolveTargets("gpt-4o", aliases, providers)).toThrow(UnknownModelError);
  expect(() => resolveTargets("orphan", aliases, providers)).toThrow(UnknownModelError);
  expect(() => resolveTargets("nobody/gpt-4o", aliases, providers)).toThrow(UnknownModelError);
});

test("allowed models: empty allows all, trailing * is a prefix, otherwise exact", () => {
  expect(isModelAllowed("anything", [])).toBe(true);
  expect(isModelAllowed("claude/claude-3-5-haiku", ["claude/*"])).toBe(true);
  expect(isModelAllowed("openai/gpt-4o", ["claude/*", "smart"])).toBe(false);
  expect(isModelAllowed("smart", ["claude/*", "smart"])).toBe(true);
  expect(isModelAllowed("smarter", ["smart"])).toBe(false);
});
