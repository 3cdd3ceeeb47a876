import { expect, test } from "bun:test";
import { dispatch, readAnswer } from "./dispatch.ts";
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
  expect(result).toMatchObject({
    ok: false,
    status: 502,
    attempts: 3,
    upstream: { body: JSON.stringify({ host: "b" }) },
  });
});

test("a last provider rate limiting: 429 with its Retry-After and pier's message; a provider's 4xx is passed on as it is", async () => {
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
  expect(result).toMatchObject({
    ok: false,
    status: 429,
    retryAfter: "17",
    code: "provider_rate_limited",
    message: 'Provider "a" is rate limiting pier\'s requests and asks to retry after 17 s.',
  });
  // pier writes the body in the client's API, not the provider's `{}`.
  expect(result.ok || result.upstream).toBeUndefined();
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

test("a rate limiting provider is retried, then its fallbacks are; only the last one's answer counts", async () => {
  const targets = [
    { provider: "a", model: "m" },
    { provider: "b", model: "m" },
  ];
  const run = (statuses: Record<string, number[]>) => {
    const { calls, fetch } = scripted(statuses);
    const result = dispatch({
      targets,
      providers,
      endpoint: "chat/completions",
      body: { model: "x", messages: [] },
      settings: { ...settings, retries: 1 },
      fetch,
      sleep: async () => {},
    });
    return result.then((r) => ({ calls, result: r }));
  };
  const served = await run({ a: [429, 429] });
  expect(served.calls).toEqual(["a", "a", "b"]);
  expect(served.result).toMatchObject({ ok: true, target: { provider: "b" } });
  expect((await run({ a: [500, 500], b: [429, 429] })).result).toMatchObject({
    status: 429,
    code: "provider_rate_limited",
    target: { provider: "b" },
  });
  expect((await run({ a: [429, 429], b: [500, 500] })).result).toMatchObject({ status: 502 });
});

test("an answer whose body cannot be read is a 502 naming the provider, a slow one a 504", async () => {
  const success = (body: ReadableStream<Uint8Array> | string, timedOut = false) => ({
    ok: true as const,
    response: new Response(body),
    target: { provider: "a", model: "m" },
    provider: providers.get("a")!,
    attempts: 1,
    settle: () => {},
    abort: () => {},
    timedOut: () => timedOut,
  });
  const broken = () =>
    new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(
          Object.assign(new TypeError('ZlibError fetching "http://10.0.0.5/v1"'), { code: "ZlibError" }),
        );
      },
    });
  const unreadable = await readAnswer(success(broken()), 1000);
  expect(unreadable).toMatchObject({ ok: false, status: 502, code: "upstream_invalid", attempts: 1 });
  expect(!unreadable.ok && unreadable.message).toContain('Provider "a"');
  expect(!unreadable.ok && unreadable.message).not.toMatch(/Zlib|http:/);
  expect(!unreadable.ok && unreadable.error).toBe("a/m: answer unreadable (ZlibError)");
  expect(await readAnswer(success(broken(), true), 1000)).toMatchObject({
    status: 504,
    code: "upstream_timeout",
    message: 'Provider "a" did not finish its answer within 1000 ms.',
  });
  expect(await readAnswer(success("{}"), 1000)).toEqual({ ok: true, text: "{}", json: {} });
  expect(await readAnswer(success("<html>"), 1000)).toMatchObject({ status: 502, code: "upstream_invalid" });
});
