import { expect, test } from "bun:test";
import { dispatch } from "./dispatch.ts";
import type { ProviderConfig } from "./providers.ts";

const provider = (name: string, kind: ProviderConfig["kind"] = "openai-compatible"): ProviderConfig => ({
  id: name,
  name,
  kind,
  baseUrl: `http://${name}.invalid/v1`,
  apiKey: undefined,
  models: [],
});
const providers = new Map([
  ["a", provider("a")],
  ["b", provider("b")],
  ["c", provider("c", "anthropic")],
]);
const settings = { timeoutMs: 1000, retries: 2, backoffMs: 100 };

function scripted(statuses: Record<string, number[]>) {
  const calls: string[] = [];
  const fetch = (async (url: string) => {
    const host = new URL(url).hostname.split(".")[0]!;
    calls.push(host);
    const status = statuses[host]?.shift() ?? 200;
    return new Response(JSON.stringify({ host }), { status });
  }) as unknown as typeof globalThis.fetch;
  return { calls, fetch };
}

test("retries with exponential back-off, then falls back to the next target", async () => {
  const { calls, fetch } = scripted({ a: [500, 429, 503] });
  const sleeps: number[] = [];
  const result = await dispatch({
    targets: [
      { provider: "a", model: "m" },
      { provider: "b", model: "m" },
    ],
    providers,
    endpoint: "chat/completions",
    body: { model: "x", messages: [] },
    settings,
    fetch,
    sleep: async (ms) => sleeps.push(ms),
  });
  expect(result.ok).toBe(true);
  expect(calls).toEqual(["a", "a", "a", "b"]);
  expect(sleeps).toEqual([100, 200, 100]);
  expect(result.attempts).toBe(4);
});

test("a client error ends the loop without fallback", async () => {
  const { calls, fetch } = scripted({ a: [401] });
  const result = await dispatch({
    targets: [
      { provider: "a", model: "m" },
      { provider: "b", model: "m" },
    ],
    providers,
    endpoint: "chat/completions",
    body: { model: "x", messages: [] },
    settings,
    fetch,
    sleep: async () => {},
  });
  expect(result).toMatchObject({ ok: false, status: 401, attempts: 1 });
  expect(calls).toEqual(["a"]);
});

test("embeddings skip an Anthropic target; all failing is a 502 with the last provider's body", async () => {
  const { calls, fetch } = scripted({ b: [500, 500, 500] });
  const result = await dispatch({
    targets: [
      { provider: "c", model: "m" },
      { provider: "b", model: "m" },
    ],
    providers,
    endpoint: "embeddings",
    body: { model: "x", input: "y" },
    settings,
    fetch,
    sleep: async () => {},
  });
  expect(calls).toEqual(["b", "b", "b"]);
  expect(result).toMatchObject({ ok: false, status: 502, attempts: 3, body: JSON.stringify({ host: "b" }) });
});

test("every provider rate limited: 502 with the last Retry-After; a provider's 4xx is passed on as it is", async () => {
  const limited = (async () =>
    new Response("{}", {
      status: 429,
      headers: { "retry-after": "17" },
    })) as unknown as typeof globalThis.fetch;
  const result = await dispatch({
    targets: [{ provider: "a", model: "m" }],
    providers,
    endpoint: "chat/completions",
    body: { model: "x", messages: [] },
    settings: { ...settings, retries: 0 },
    fetch: limited,
    sleep: async () => {},
  });
  expect(result).toMatchObject({ ok: false, status: 502, retryAfter: "17" });
  const { fetch } = scripted({ a: [401] });
  const refused = await dispatch({
    targets: [{ provider: "a", model: "m" }],
    providers,
    endpoint: "chat/completions",
    body: { model: "x", messages: [] },
    settings,
    fetch,
    sleep: async () => {},
  });
  expect(refused).toMatchObject({ ok: false, status: 401, attempts: 1 });
});

test("a network error is a 502 after retries", async () => {
  const fetch = (async () => {
    throw new Error("ECONNREFUSED");
  }) as unknown as typeof globalThis.fetch;
  const result = await dispatch({
    targets: [{ provider: "a", model: "m" }],
    providers,
    endpoint: "chat/completions",
    body: { model: "x", messages: [] },
    settings: { ...settings, retries: 1 },
    fetch,
    sleep: async () => {},
  });
  expect(result).toMatchObject({ ok: false, status: 502, attempts: 2 });
});
