import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { type FakeProvider, startFakeAnthropic, startFakeOpenAi } from "../testing/fake-providers.ts";
import { startTestGateway, type TestGateway } from "../testing/test-gateway.ts";
import type { AiGateway } from "./gateway.ts";

// The gateway behind a real HTTP server, driven by the official openai client, in front of local
// fake providers that stream with delays.
let testGateway: TestGateway;
let gateway: AiGateway;
let server: ReturnType<typeof Bun.serve>;
let primary: FakeProvider;
let backup: FakeProvider;
let claude: FakeProvider;
const chunkDelayMs = 40;

async function newKey(
  options: { requestsPerMinute?: number; monthlyBudgetUsd?: number; allowedModels?: string[] } = {},
) {
  const { key } = await gateway.catalog.createKey({
    name: "test",
    appId: "app_test",
    allowedModels: options.allowedModels ?? [],
    ...options,
  });
  return key;
}

function client(apiKey: string, headers: Record<string, string> = {}) {
  return new OpenAI({
    baseURL: `http://127.0.0.1:${server.port}/ai/v1`,
    apiKey,
    maxRetries: 0,
    defaultHeaders: headers,
  });
}

const lastUsage = () => testGateway.lastUsage();

beforeAll(async () => {
  testGateway = await startTestGateway("pier-ai-", { retries: 1, backoffMs: 5, timeoutMs: 1500 });
  ({ gateway, server } = testGateway);
  primary = startFakeOpenAi({ apiKey: "sk-primary", chunkDelayMs });
  backup = startFakeOpenAi({ tokens: ["from", " backup"] });
  claude = startFakeAnthropic({ apiKey: "sk-ant", chunkDelayMs });
  await gateway.catalog.putProvider({
    name: "primary",
    kind: "openai-compatible",
    baseUrl: `${primary.url}/v1`,
    apiKey: "sk-primary",
    models: ["gpt-4o-mini", "text-embedding-3-small"],
  });
  await gateway.catalog.putProvider({
    name: "backup",
    kind: "openai-compatible",
    baseUrl: `${backup.url}/v1`,
    models: ["gpt-4o-mini"],
  });
  await gateway.catalog.putProvider({
    name: "claude",
    kind: "anthropic",
    baseUrl: claude.url,
    apiKey: "sk-ant",
    models: ["claude-3-5-haiku-latest"],
  });
  await gateway.catalog.putAlias("smart", ["primary/gpt-4o-mini", "backup/gpt-4o-mini"]);
});

afterAll(async () => {
  for (const p of [primary, backup, claude]) p?.stop();
  await testGateway?.close();
});

describe("openai client through the gateway", () => {
  test("chat completion is answered and costed from the price table", async () => {
    const reply = await client(await newKey()).chat.completions.create({
      model: "primary/gpt-4o-mini",
      messages: [{ role: "user", content: "say hello" }],
    });
    expect(reply.choices[0]!.message.content).toBe("Hello from the fake provider");
    const usage = await lastUsage();
    expect(usage).toMatchObject({
      provider: "primary",
      model: "gpt-4o-mini",
      status: 200,
      completionTokens: 5,
      cached: false,
    });
    expect(usage.promptTokens).toBeGreaterThan(0);
    // gpt-4o-mini: $0.15 in / $0.60 out per million tokens
    expect(usage.costUsd).toBeCloseTo((usage.promptTokens * 0.15 + 5 * 0.6) / 1e6, 12);
    expect(primary.requests.at(-1)!.headers.get("authorization")).toBe("Bearer sk-primary");
  });

  test("streamed chunks reach the client one by one, as the provider sends them", async () => {
    const stream = await client(await newKey()).chat.completions.create(
      {
        model: "primary/gpt-4o-mini",
        messages: [{ role: "user", content: "stream please" }],
        stream: true,
      },
      { headers: { "x-pier-cache": "no-store" } },
    );
    const arrivals: { at: number; text: string; choices: number }[] = [];
    for await (const chunk of stream) {
      arrivals.push({
        at: performance.now(),
        text: chunk.choices[0]?.delta.content ?? "",
        choices: chunk.choices.length,
      });
    }
    expect(arrivals.map((a) => a.text).join("")).toBe("Hello from the fake provider");
    // pier asked the provider for usage; this client did not, so it never sees the choice-less chunk.
    expect(arrivals.every((a) => a.choices === 1)).toBe(true);
    const contentful = arrivals.filter((a) => a.text);
    const span = contentful.at(-1)!.at - contentful[0]!.at;
    expect(span).toBeGreaterThan(chunkDelayMs * (contentful.length - 1) * 0.7);
    const usage = await lastUsage();
    expect(usage).toMatchObject({ stream: true, status: 200, completionTokens: 5 });
    expect(usage.ttftMs).not.toBeNull();
    expect(usage.latencyMs).toBeGreaterThan(usage.ttftMs!);
  });

  test("embeddings", async () => {
    const result = await client(await newKey()).embeddings.create({
      model: "primary/text-embedding-3-small",
      input: ["a b", "c"],
    });
    expect(result.data.map((d) => d.embedding)).toEqual([
      [0, 2, 0.5],
      [1, 1, 0.5],
    ]);
    expect((await lastUsage()).endpoint).toBe("embeddings");
  });

  test("anthropic: chat is translated to the Messages API and back, streaming included", async () => {
    const openai = client(await newKey());
    const reply = await openai.chat.completions.create({
      model: "claude/claude-3-5-haiku-latest",
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: "hi" },
      ],
    });
    expect(reply.choices[0]!.message.content).toBe("Bonjour depuis Claude");
    expect(reply.usage).toMatchObject({ completion_tokens: 3 });
    const sent = claude.requests.at(-1)!;
    expect(sent.body).toMatchObject({ system: "be brief", max_tokens: 4096, messages: [{ role: "user" }] });
    expect(sent.headers.get("x-api-key")).toBe("sk-ant");
    const started = performance.now();
    const stream = await openai.chat.completions.create({
      model: "claude/claude-3-5-haiku-latest",
      messages: [{ role: "user", content: "stream" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const texts: { at: number; text: string }[] = [];
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      texts.push({ at: performance.now() - started, text: chunk.choices[0]?.delta.content ?? "" });
      usage = chunk.usage ?? usage;
    }
    expect(texts.map((t) => t.text).join("")).toBe("Bonjour depuis Claude");
    expect(usage).toMatchObject({ completion_tokens: 3 });
    const first = texts.find((t) => t.text)!;
    expect(texts.at(-1)!.at - first.at).toBeGreaterThan(chunkDelayMs);
    expect(await lastUsage()).toMatchObject({ provider: "claude", completionTokens: 3, stream: true });
  });

  test("a 500 from the first provider falls back to the next after retries", async () => {
    primary.failNext(2, 500);
    const before = { primary: primary.requests.length, backup: backup.requests.length };
    const { data, response } = await client(await newKey())
      .chat.completions.create(
        { model: "smart", messages: [{ role: "user", content: "x" }] },
        { headers: { "x-pier-cache": "no-store" } },
      )
      .withResponse();
    expect(data.choices[0]!.message.content).toBe("from backup");
    expect(primary.requests.length - before.primary).toBe(2);
    expect(backup.requests.length - before.backup).toBe(1);
    expect(response.headers.get("x-pier-attempts")).toBe("3");
    expect(await lastUsage()).toMatchObject({ provider: "backup", attempts: 3, status: 200 });
  });

  test("a provider slower than the timeout counts as failed and the fallback answers", async () => {
    await gateway.catalog.patchSettings({ timeoutMs: 200, retries: 0 });
    try {
      primary.stallNext(1, 3000);
      const started = performance.now();
      const reply = await client(await newKey()).chat.completions.create(
        { model: "smart", messages: [{ role: "user", content: "slow" }] },
        { headers: { "x-pier-cache": "no-store" } },
      );
      expect(reply.choices[0]!.message.content).toBe("from backup");
      // well before the stalled provider would have answered
      expect(performance.now() - started).toBeLessThan(2500);
    } finally {
      await gateway.catalog.patchSettings({ timeoutMs: 1500, retries: 1 });
    }
  });

  test("a provider's 400 is passed through without fallback", async () => {
    primary.failNext(1, 400);
    const before = backup.requests.length;
    const error = await client(await newKey())
      .chat.completions.create(
        { model: "smart", messages: [{ role: "user", content: "bad" }] },
        { headers: { "x-pier-cache": "no-store" } },
      )
      .catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(backup.requests.length).toBe(before);
  });
});

describe("keys, limits and budgets", () => {
  test("requests per minute: over the limit is 429 with Retry-After", async () => {
    const openai = client(await newKey({ requestsPerMinute: 2 }));
    const ask = () =>
      openai.chat.completions.create({ model: "smart", messages: [{ role: "user", content: "rpm" }] });
    await ask();
    await ask();
    const error = (await ask().catch((e) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(Number(error.headers?.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });

  test("monthly budget: once spent, 402", async () => {
    const openai = client(await newKey({ monthlyBudgetUsd: 0.000001 }));
    const ask = () =>
      openai.chat.completions.create(
        { model: "primary/gpt-4o-mini", messages: [{ role: "user", content: "budget" }] },
        { headers: { "x-pier-cache": "no-store" } },
      );
    await ask();
    const error = (await ask().catch((e) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(error.status).toBe(402);
    expect(error.message).toContain("monthly budget");
  });

  test("allowed models limit both requests and the model list", async () => {
    const openai = client(await newKey({ allowedModels: ["smart", "claude/*"] }));
    const models = (await openai.models.list()).data.map((m) => m.id);
    expect(models.sort()).toEqual(["claude/claude-3-5-haiku-latest", "smart"]);
    const error = (await openai.chat.completions
      .create({ model: "primary/gpt-4o-mini", messages: [{ role: "user", content: "no" }] })
      .catch((e) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(error.status).toBe(403);
  });

  test("unknown and revoked keys are refused", async () => {
    expect(
      (
        (await client("pier_ai_nope")
          .models.list()
          .catch((e) => e)) as { status: number }
      ).status,
    ).toBe(401);
    const { key, row } = await gateway.catalog.createKey({ name: "gone", appId: null, allowedModels: [] });
    await client(key).models.list();
    await gateway.catalog.revokeKey(row.id);
    expect(
      (
        (await client(key)
          .models.list()
          .catch((e) => e)) as { status: number }
      ).status,
    ).toBe(401);
  });
});

describe("response cache", () => {
  test("the second identical call is answered without reaching the provider", async () => {
    const openai = client(await newKey());
    const body = {
      model: "primary/gpt-4o-mini",
      messages: [{ role: "user" as const, content: `cache ${crypto.randomUUID()}` }],
    };
    const before = primary.requests.length;
    const first = await openai.chat.completions.create(body).withResponse();
    const second = await openai.chat.completions.create(body).withResponse();
    expect(primary.requests.length - before).toBe(1);
    expect(first.response.headers.get("x-pier-cache")).toBe("miss");
    expect(second.response.headers.get("x-pier-cache")).toBe("hit");
    expect(second.data).toEqual(first.data);
    expect(await lastUsage()).toMatchObject({ cached: true, costUsd: 0 });
    await openai.chat.completions.create(body, { headers: { "x-pier-cache": "no-store" } });
    expect(primary.requests.length - before).toBe(2);
  });

  test("a streamed answer is replayed from the cache", async () => {
    const openai = client(await newKey());
    const body = {
      model: "primary/gpt-4o-mini",
      stream: true as const,
      messages: [{ role: "user" as const, content: `s ${crypto.randomUUID()}` }],
    };
    const collect = async () => {
      let text = "";
      for await (const chunk of await openai.chat.completions.create(body))
        text += chunk.choices[0]?.delta.content ?? "";
      return text;
    };
    const before = primary.requests.length;
    expect(await collect()).toBe("Hello from the fake provider");
    await gateway.idle();
    expect(await collect()).toBe("Hello from the fake provider");
    expect(primary.requests.length - before).toBe(1);
  });
});

describe("usage and spend", () => {
  test("spend groups cost per app and model over time", async () => {
    await gateway.idle();
    const rows = await gateway.store.usage.spend({
      from: new Date(Date.now() - 3_600_000),
      to: new Date(Date.now() + 60_000),
      bucketMs: 3_600_000,
    });
    const all = await gateway.store.usage.recent({ limit: 1000 });
    const total = all.reduce((sum, r) => sum + r.costUsd, 0);
    expect(rows.reduce((sum, r) => sum + r.costUsd, 0)).toBeCloseTo(total, 12);
    expect(rows.reduce((sum, r) => sum + r.requests, 0)).toBe(all.length);
    expect(rows.some((r) => r.model === "primary/gpt-4o-mini" && r.appId === "app_test")).toBe(true);
  });
});

describe("stream safety and deploy keys", () => {
  test("a provider that goes silent mid-stream is cut off after the timeout", async () => {
    const slow = startFakeOpenAi({ chunkDelayMs: 5000 });
    try {
      await gateway.catalog.putProvider({
        name: "slow",
        kind: "openai-compatible",
        baseUrl: `${slow.url}/v1`,
        models: [],
      });
      await gateway.catalog.patchSettings({ timeoutMs: 300 });
      const started = performance.now();
      const res = await fetch(`http://127.0.0.1:${server.port}/ai/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${await newKey()}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "slow/m", stream: true, messages: [{ role: "user", content: "x" }] }),
      });
      const text = await res.text();
      expect(performance.now() - started).toBeLessThan(3000);
      expect(text).toContain('"role":"assistant"');
      expect(text).toContain("upstream_timeout");
      expect(await lastUsage()).toMatchObject({ provider: "slow", status: 504 });
    } finally {
      await gateway.catalog.patchSettings({ timeoutMs: 1500 });
      await gateway.catalog.deleteProvider("slow");
      slow.stop();
    }
  });

  test("the deploy key of an app is created once and reused", async () => {
    const first = await gateway.catalog.deployKey("app_deploy", "deploy-me");
    const second = await gateway.catalog.deployKey("app_deploy", "deploy-me");
    expect(second).toBe(first);
    const key = await gateway.authenticate(`Bearer ${first}`, "app_deploy");
    expect(key).toMatchObject({ appId: "app_deploy", name: "deploy:deploy-me" });
    await expect(gateway.authenticate(`Bearer ${first}`, "app_other")).rejects.toThrow("another app");
  });
});
