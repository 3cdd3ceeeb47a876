import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { type FakeProvider, startFakeOpenAi } from "../testing/fake-providers.ts";
import { startTestGateway, type TestGateway } from "../testing/test-gateway.ts";
import type { AiGateway } from "./gateway.ts";

// What the gateway does with providers that answer badly: not JSON, a body it cannot decode, a
// rate limit, absurd usage; and with requests it must refuse before any provider sees them. One
// local "rogue" server plays an OpenAI-compatible provider and an Anthropic one, each request
// answered by the next scripted response.
let testGateway: TestGateway;
let gateway: AiGateway;
let server: ReturnType<typeof Bun.serve>;
let rogue: ReturnType<typeof Bun.serve>;
let backup: FakeProvider;
let script: (() => Response)[] = [];
const reached: string[] = [];

const completion = (usage: Record<string, unknown> = { prompt_tokens: 3, completion_tokens: 2 }) =>
  Response.json({
    id: "chatcmpl-rogue",
    object: "chat.completion",
    choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }],
    usage,
  });
const html = () =>
  new Response("<html><body>502 Bad Gateway</body></html>", { headers: { "content-type": "text/html" } });

async function newKey() {
  const { key } = await gateway.catalog.createKey({ name: "t", appId: "app_rogue", allowedModels: [] });
  return key;
}
const base = () => `http://127.0.0.1:${server.port}/ai/v1`;
const post = async (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base()}/${path}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${await newKey()}`,
      "content-type": "application/json",
      "x-pier-cache": "no-store",
      ...headers,
    },
    body: JSON.stringify(body),
  });

const lastUsage = () => testGateway.lastUsage();

beforeAll(async () => {
  testGateway = await startTestGateway("pier-ai-rogue-", { retries: 0, backoffMs: 5, timeoutMs: 1500 });
  ({ gateway, server } = testGateway);
  rogue = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 30,
    async fetch(req) {
      reached.push(new URL(req.url).pathname);
      await req.arrayBuffer();
      return (script.shift() ?? completion)();
    },
  });
  backup = startFakeOpenAi({ tokens: ["from", " backup"] });
  const url = `http://127.0.0.1:${rogue.port}`;
  await gateway.catalog.putProvider({
    name: "rogue",
    kind: "openai-compatible",
    baseUrl: `${url}/v1`,
    models: [],
  });
  await gateway.catalog.putProvider({ name: "rogue-claude", kind: "anthropic", baseUrl: url, models: [] });
  await gateway.catalog.putProvider({
    name: "backup",
    kind: "openai-compatible",
    baseUrl: `${backup.url}/v1`,
    models: [],
  });
  await gateway.catalog.putAlias("steady", ["rogue/gpt-4o-mini", "backup/gpt-4o-mini"]);
});

afterAll(async () => {
  rogue?.stop(true);
  backup?.stop();
  await testGateway?.close();
});

const chat = (model: string) => ({ model, messages: [{ role: "user", content: "hi" }] });
const message = (model: string) => ({ model, max_tokens: 10, messages: [{ role: "user", content: "hi" }] });

describe("a 200 that is not JSON", () => {
  test("translated, it is a 502 in the client's API, logged as an error", async () => {
    const cases = [
      { path: "messages", body: message("rogue/m"), answer: html },
      { path: "chat/completions", body: chat("rogue-claude/c"), answer: () => new Response("") },
      {
        path: "responses",
        body: { model: "rogue-claude/c", input: "hi" },
        answer: () => new Response('{"id":'),
      },
      { path: "responses", body: { model: "rogue/m", input: "hi" }, answer: html },
    ];
    for (const { path, body, answer } of cases) {
      script = [answer];
      const res = await post(path, body);
      expect(res.status).toBe(502);
      const error = await res.json();
      const shaped =
        path === "messages"
          ? { type: "error", error: { type: "api_error" } }
          : { error: { code: "upstream_invalid" } };
      expect(error).toMatchObject(shaped);
      expect(JSON.stringify(error)).toContain("not JSON");
      const usage = await lastUsage();
      expect(usage).toMatchObject({ status: 502, provider: body.model.split("/")[0] });
      expect(usage.error).toContain("not JSON");
    }
  });

  test("passed through (same API on both sides), it is the same 502", async () => {
    script = [html];
    const error = await (await openAiClient()).chat.completions
      .create(chat("rogue/m") as OpenAI.ChatCompletionCreateParamsNonStreaming)
      .catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(error.status).toBe(502);
    expect(error.message).toContain('Provider "rogue" answered with a body that is not JSON');
    expect(await lastUsage()).toMatchObject({ status: 502 });
  });

  test("JSON that is not a message, from an Anthropic provider, is a 502 too", async () => {
    script = [() => Response.json("just a string")];
    const res = await post("chat/completions", chat("rogue-claude/c"));
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ error: { code: "upstream_invalid" } });
    expect(await lastUsage()).toMatchObject({ status: 502 });
  });
});

async function openAiClient() {
  return new OpenAI({ baseURL: base(), apiKey: await newKey(), maxRetries: 0 });
}

describe("a body pier cannot read", () => {
  test("gzip announced, plain body sent: 502 naming the provider, not its URL or the runtime's error", async () => {
    script = [
      () =>
        new Response(JSON.stringify({ choices: [] }), {
          headers: { "content-type": "application/json", "content-encoding": "gzip" },
        }),
    ];
    const res = await post("chat/completions", chat("rogue/m"));
    expect(res.status).toBe(502);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("upstream_invalid");
    expect(body.error.message).toContain('Provider "rogue"');
    expect(body.error.message).not.toMatch(/127\.0\.0\.1|Zlib|fetching|verbose/);
    expect(await lastUsage()).toMatchObject({ status: 502, provider: "rogue" });
  });

  test("in a stream: the client gets an error event naming the provider, the log no runtime text", async () => {
    script = [
      () =>
        new Response("data: {}\n\n", {
          headers: { "content-type": "text/event-stream", "content-encoding": "gzip" },
        }),
    ];
    const res = await post("chat/completions", { ...chat("rogue/m"), stream: true });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain("upstream_invalid");
    expect(text).toContain('Provider \\"rogue\\"');
    expect(text).not.toMatch(/127\.0\.0\.1|Zlib|Decompression|fetching/i);
    const usage = await lastUsage();
    expect(usage).toMatchObject({ status: 502, provider: "rogue", stream: true });
    expect(String(usage.error)).not.toMatch(/127\.0\.0\.1|Decompression|fetching/i);
  });

  test("a provider that sends its headers, then stalls its body past the timeout: still a 504", async () => {
    await gateway.catalog.patchSettings({ timeoutMs: 300 });
    try {
      script = [
        () =>
          new Response(
            new ReadableStream({
              async pull(controller) {
                controller.enqueue(new TextEncoder().encode('{"id":'));
                await Bun.sleep(2000);
                controller.close();
              },
            }),
            { headers: { "content-type": "application/json" } },
          ),
      ];
      const res = await post("chat/completions", chat("rogue/m"));
      expect(res.status).toBe(504);
      expect(await res.json()).toMatchObject({
        error: {
          code: "upstream_timeout",
          message: 'Provider "rogue" did not finish its answer within 300 ms.',
        },
      });
      expect(await lastUsage()).toMatchObject({ status: 504 });
    } finally {
      await gateway.catalog.patchSettings({ timeoutMs: 1500 });
    }
  });
});

describe("a provider rate limiting", () => {
  const limited = () => new Response("{}", { status: 429, headers: { "retry-after": "7" } });

  test("is a 429 with its Retry-After, in the client's API", async () => {
    script = [limited];
    const error = await (await openAiClient()).chat.completions
      .create(chat("rogue/m") as OpenAI.ChatCompletionCreateParamsNonStreaming)
      .catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error.headers.get("retry-after")).toBe("7");
    expect(error.error).toMatchObject({ code: "provider_rate_limited" });
    expect(error.message).toContain('Provider "rogue" is rate limiting');
    expect(await lastUsage()).toMatchObject({ status: 429, provider: "rogue" });

    script = [limited];
    const claude = new Anthropic({
      baseURL: base().replace(/\/v1$/, ""),
      apiKey: await newKey(),
      maxRetries: 0,
    });
    const refused = await claude.messages
      .create(message("rogue/m") as Anthropic.MessageCreateParamsNonStreaming)
      .catch((e) => e);
    expect(refused).toBeInstanceOf(Anthropic.RateLimitError);
    expect(refused.headers.get("retry-after")).toBe("7");
    expect(refused.error).toMatchObject({ type: "error", error: { type: "rate_limit_error" } });
  });

  test("is first passed to the fallback provider", async () => {
    script = [limited];
    const reply = await (await openAiClient()).chat.completions.create(
      chat("steady") as OpenAI.ChatCompletionCreateParamsNonStreaming,
      { headers: { "x-pier-cache": "no-store" } },
    );
    expect(reply.choices[0]!.message.content).toBe("from backup");
    expect(await lastUsage()).toMatchObject({ status: 200, provider: "backup", attempts: 2 });
  });
});

describe("usage a provider reports", () => {
  test("absurd counts are capped, broken ones are 0: the spend report stays a sum of numbers", async () => {
    // 1e20: what JSON.parse makes of the 99999999999999999999 a provider sent.
    script = [() => completion({ prompt_tokens: 1e308, completion_tokens: 1e20 })];
    expect((await post("chat/completions", chat("rogue/absurd"))).status).toBe(200);
    expect(await lastUsage()).toMatchObject({ promptTokens: 100_000_000, completionTokens: 100_000_000 });
    script = [() => completion({ prompt_tokens: -5, completion_tokens: "12" })];
    expect((await post("chat/completions", chat("rogue/absurd"))).status).toBe(200);
    expect(await lastUsage()).toMatchObject({ promptTokens: 0, completionTokens: 0 });
    // Translated answers are costed from what the translation read.
    // 1e999 as the provider wrote it: JSON.parse reads it as Infinity.
    const claudeAnswer = JSON.stringify({
      id: "msg_1",
      type: "message",
      content: [{ type: "text", text: "ok" }],
      stop_reason: "end_turn",
      usage: { input_tokens: "INPUT", output_tokens: 4.7 },
    }).replace('"INPUT"', "1e999");
    script = [() => new Response(claudeAnswer, { headers: { "content-type": "application/json" } })];
    const res = await post("chat/completions", chat("rogue-claude/absurd"));
    expect((await res.json()).usage).toMatchObject({ prompt_tokens: 100_000_000, completion_tokens: 4 });
    expect(await lastUsage()).toMatchObject({ promptTokens: 100_000_000, completionTokens: 4 });

    const spend = await gateway.store.usage.spend({
      from: new Date(Date.now() - 3_600_000),
      to: new Date(Date.now() + 60_000),
      bucketMs: 3_600_000,
    });
    const absurd = spend.filter((row) => row.model.endsWith("/absurd"));
    expect(absurd.reduce((sum, row) => sum + row.promptTokens, 0)).toBe(200_000_000);
    expect(absurd.reduce((sum, row) => sum + row.completionTokens, 0)).toBe(100_000_004);
  });

  test("in a stream's usage chunk too", async () => {
    const events = [
      { choices: [{ index: 0, delta: { content: "ok" }, finish_reason: "stop" }] },
      { choices: [], usage: { prompt_tokens: 1e308, completion_tokens: Number.NaN } },
    ];
    script = [
      () =>
        new Response(`${events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join("")}data: [DONE]\n\n`, {
          headers: { "content-type": "text/event-stream" },
        }),
    ];
    const res = await post("chat/completions", { ...chat("rogue/m"), stream: true });
    await res.text();
    // NaN is written as null in JSON: no count, so the completion is estimated from its content.
    expect(await lastUsage()).toMatchObject({ stream: true, promptTokens: 100_000_000, completionTokens: 1 });
  });
});

describe("requests refused before any provider sees them", () => {
  test("embeddings input must be text or token ids", async () => {
    const before = reached.length;
    for (const input of [[[1, 2], null, {}], { text: "x" }, [1.5], ["a", 1], undefined]) {
      const res = await post("embeddings", { model: "rogue/e", input });
      expect(res.status).toBe(400);
      expect((await res.json()).error.message).toContain(
        "input: must be a string, an array of strings, an array of token ids or an array of arrays of token ids",
      );
    }
    for (const input of ["x", ["a", "b"], [1, 2], [[1], [2, 3]]]) {
      script = [() => Response.json({ object: "list", data: [] })];
      expect((await post("embeddings", { model: "rogue/e", input })).status).toBe(200);
    }
    expect(reached.length - before).toBe(4);
  });

  test("a Responses request needs input, and says so to a client that sent messages", async () => {
    const before = reached.length;
    const missing = await post("responses", { model: "rogue/m" });
    expect(missing.status).toBe(400);
    expect((await missing.json()).error.message).toContain("input: required");
    const chatShaped = await post("responses", { model: "rogue/m", messages: [null, 5, "x"] });
    expect(chatShaped.status).toBe(400);
    expect((await chatShaped.json()).error.message).toContain("not `messages`");
    expect(reached.length).toBe(before);
  });

  test("a model with control characters is a 400 on every endpoint", async () => {
    const before = reached.length;
    const model = "rogue/\u0000";
    const bodies: [string, Record<string, unknown>][] = [
      ["chat/completions", chat(model)],
      ["completions", { model, prompt: "x" }],
      ["embeddings", { model, input: "x" }],
      ["responses", { model, input: "x" }],
      ["messages", message(model)],
      ["messages/count_tokens", { model, messages: [{ role: "user", content: "x" }] }],
    ];
    for (const [path, body] of bodies) {
      const res = await post(path, body);
      expect(res.status).toBe(400);
      const text = await res.text();
      expect(text).toContain("model: must not contain control characters");
    }
    for (const bad of ["rogue/m\n", "rogue/\tm", "rogue/\u007f", "rogue/\u009b"]) {
      expect((await post("chat/completions", chat(bad))).status).toBe(400);
    }
    expect(reached.length).toBe(before);
  });
});
