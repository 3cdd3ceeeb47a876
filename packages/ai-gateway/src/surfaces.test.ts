import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import { silentLogger } from "@pier/core";
import type { Database } from "@pier/db";
import type { createSecretBox } from "@pier/secrets";
import { Hono } from "hono";
import OpenAI from "openai";
import { type FakeProvider, startFakeAnthropic, startFakeOpenAi } from "../testing/fake-providers.ts";
import { startTestGateway, type TestGateway } from "../testing/test-gateway.ts";
import { AiGateway } from "./gateway.ts";
import { openAiRoutes } from "./http/openai-routes.ts";
import { createAiStore } from "./store.ts";

// The Responses API and the Messages API through the gateway, driven by the official `openai` and
// `@anthropic-ai/sdk` clients, against local fake providers: one OpenAI with /responses, one
// OpenAI-compatible server without it, one Anthropic.
let testGateway: TestGateway;
let database: Database;
let gateway: AiGateway;
let server: ReturnType<typeof Bun.serve>;
let native: FakeProvider;
let compat: FakeProvider;
let claude: FakeProvider;
let broken: FakeProvider;
let secretBox: Awaited<ReturnType<typeof createSecretBox>>;

/** The text of each block of a message (the block's type for the others). */
const texts = (message: Anthropic.Message) =>
  message.content.map((b) => (b.type === "text" ? b.text : b.type));

const weather = {
  name: "get_weather",
  description: "Current weather of a city",
  parameters: { type: "object" as const, properties: { city: { type: "string" } }, required: ["city"] },
};

async function newKey(limits: { requestsPerMinute?: number; monthlyBudgetUsd?: number } = {}) {
  const { key } = await gateway.catalog.createKey({
    name: "t",
    appId: "app_surfaces",
    allowedModels: [],
    ...limits,
  });
  return key;
}
const base = () => `http://127.0.0.1:${server.port}`;
const openai = async () => new OpenAI({ baseURL: `${base()}/ai/v1`, apiKey: await newKey(), maxRetries: 0 });
const anthropic = async () =>
  new Anthropic({ baseURL: `${base()}/ai`, apiKey: await newKey(), maxRetries: 0 });

const lastUsage = () => testGateway.lastUsage();

beforeAll(async () => {
  testGateway = await startTestGateway("pier-ai-surfaces-", { retries: 0, backoffMs: 5, timeoutMs: 3000 });
  ({ gateway, database, server, secretBox } = testGateway);
  native = startFakeOpenAi({ responses: true, tokens: ["Native", " answer"] });
  compat = startFakeOpenAi({ chunkDelayMs: 20 });
  claude = startFakeAnthropic({ chunkDelayMs: 20 });
  broken = startFakeOpenAi();
  broken.failNext(1_000_000, 500);
  await gateway.catalog.putProvider({
    name: "openai",
    kind: "openai",
    baseUrl: `${native.url}/v1`,
    models: [],
  });
  await gateway.catalog.putProvider({
    name: "compat",
    kind: "openai-compatible",
    baseUrl: `${compat.url}/v1`,
    models: [],
  });
  await gateway.catalog.putProvider({ name: "claude", kind: "anthropic", baseUrl: claude.url, models: [] });
  await gateway.catalog.putProvider({
    name: "broken",
    kind: "openai-compatible",
    baseUrl: `${broken.url}/v1`,
    models: [],
  });
  await gateway.catalog.putAlias("sturdy", ["broken/gpt-4o-mini", "claude/claude-3-5-haiku-latest"]);
});

afterAll(async () => {
  for (const p of [native, compat, claude, broken]) p?.stop();
  await testGateway?.close();
});

describe("Responses API", () => {
  test("an OpenAI provider gets /responses as it came, previous_response_id included", async () => {
    const client = await openai();
    const first = await client.responses.create({ model: "openai/gpt-4.1-mini", input: "hi" });
    expect(first.output_text).toBe("Native answer");
    expect(native.requests.at(-1)!.path).toBe("/v1/responses");
    const second = await client.responses.create({
      model: "openai/gpt-4.1-mini",
      input: "and then?",
      previous_response_id: first.id,
    });
    expect(second.output_text).toBe("Earlier: Native answer");
    expect(native.requests.at(-1)!.body.previous_response_id).toBe(first.id);
    expect(await lastUsage()).toMatchObject({ endpoint: "responses", provider: "openai", status: 200 });

    const stream = client.responses.stream({ model: "openai/gpt-4.1-mini", input: "stream" });
    const deltas: string[] = [];
    stream.on("response.output_text.delta", (e) => deltas.push(e.delta));
    const final = await stream.finalResponse();
    expect(deltas.join("")).toBe("Native answer");
    expect(final.output_text).toBe("Native answer");
    const usage = await lastUsage();
    expect(usage).toMatchObject({ stream: true, completionTokens: 2 });
    expect(usage.promptTokens).toBeGreaterThan(0);
  });

  test("an OpenAI-compatible provider is asked through chat completions; instructions become the system turn", async () => {
    const client = await openai();
    const reply = await client.responses.create({
      model: "compat/gpt-4o-mini",
      instructions: "Be brief.",
      input: [{ role: "user", content: [{ type: "input_text", text: "say hello" }] }],
      max_output_tokens: 50,
    });
    expect(reply.output_text).toBe("Hello from the fake provider");
    expect(reply.status).toBe("completed");
    expect(reply.usage?.output_tokens).toBe(5);
    const sent = compat.requests.at(-1)!;
    expect(sent.path).toBe("/v1/chat/completions");
    expect(sent.body.messages).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: [{ type: "text", text: "say hello" }] },
    ]);
    expect(sent.body.max_tokens).toBe(50);
    const usage = await lastUsage();
    expect(usage).toMatchObject({ endpoint: "responses", provider: "compat", completionTokens: 5 });
    expect(usage.costUsd).toBeGreaterThan(0);
  });

  test("streamed: typed events arrive as the provider sends them, usage in response.completed", async () => {
    const client = await openai();
    const stream = client.responses.stream({ model: "compat/gpt-4o-mini", input: "stream please" });
    const types: string[] = [];
    const arrivals: number[] = [];
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === "response.output_text.delta") arrivals.push(performance.now());
    }
    const final = await stream.finalResponse();
    expect(final.output_text).toBe("Hello from the fake provider");
    expect(final.usage?.output_tokens).toBe(5);
    expect(types.slice(0, 4)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
    ]);
    expect(types.slice(-4)).toEqual([
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThan(20 * 3 * 0.7);
    expect(await lastUsage()).toMatchObject({ stream: true, completionTokens: 5, endpoint: "responses" });
  });

  for (const model of ["compat/gpt-4o-mini", "claude/claude-3-5-haiku-latest"]) {
    test(`tools on ${model}: function_call out, function_call_output back, plain and streamed`, async () => {
      const client = await openai();
      const tools = [{ type: "function" as const, strict: false, ...weather }];
      const first = await client.responses.create({ model, input: "Weather in Paris?", tools });
      const call = first.output.find((o) => o.type === "function_call")!;
      expect(call).toMatchObject({ type: "function_call", name: "get_weather" });
      expect(JSON.parse(call.type === "function_call" ? call.arguments : "")).toEqual({ city: "Paris" });

      const answer = await client.responses.create({
        model,
        tools,
        input: [
          { role: "user", content: "Weather in Paris?" },
          call,
          {
            type: "function_call_output",
            call_id: call.type === "function_call" ? call.call_id : "",
            output: "sunny",
          },
        ],
      });
      expect(answer.output_text).toBe("Tools said: sunny");

      // The same two steps streamed, the second continuing the first by previous_response_id.
      const stream = client.responses.stream({ model, input: "Weather in Lyon?", tools });
      const argDeltas: string[] = [];
      stream.on("response.function_call_arguments.delta", (e) => argDeltas.push(e.delta));
      const streamed = await stream.finalResponse();
      const streamedCall = streamed.output.find((o) => o.type === "function_call");
      expect(streamedCall?.type === "function_call" && JSON.parse(streamedCall.arguments)).toEqual({
        city: "Lyon",
      });
      expect(argDeltas.join("")).toBe('{"city":"Lyon"}');
      const next = await client.responses
        .stream({
          model,
          tools,
          previous_response_id: streamed.id,
          input: [
            {
              type: "function_call_output",
              call_id: streamedCall?.type === "function_call" ? streamedCall.call_id : "",
              output: "rainy",
            },
          ],
        })
        .finalResponse();
      expect(next.output_text).toBe("Tools said: rainy");
    });
  }

  test("fallback: a failing provider, then Anthropic; usage names the provider that answered", async () => {
    const client = await openai();
    const reply = await client.responses.create({ model: "sturdy", input: "salut" });
    expect(reply.output_text).toBe("Bonjour depuis Claude");
    expect(await lastUsage()).toMatchObject({ provider: "claude", attempts: 2, endpoint: "responses" });
  });

  test("a conversation answered through chat completions continues after pier restarts", async () => {
    const key = await newKey();
    const first = await new OpenAI({
      baseURL: `${base()}/ai/v1`,
      apiKey: key,
      maxRetries: 0,
    }).responses.create({
      model: "compat/gpt-4o-mini",
      input: "remember the number 42",
    });
    await gateway.idle();
    // A new gateway on the same database, as after a restart or an upgrade: nothing in memory.
    const restarted = await AiGateway.create({
      store: createAiStore(database),
      secretBox,
      logger: silentLogger,
    });
    const again = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: new Hono().route("/ai/v1", openAiRoutes(restarted)).fetch,
    });
    try {
      const client = new OpenAI({
        baseURL: `http://127.0.0.1:${again.port}/ai/v1`,
        apiKey: key,
        maxRetries: 0,
      });
      await client.responses.create({
        model: "compat/gpt-4o-mini",
        input: "which number?",
        previous_response_id: first.id,
      });
      const sent = compat.requests.at(-1)!.body.messages as { role: string; content: unknown }[];
      expect(sent.map((m) => m.role)).toEqual(["user", "assistant", "user"]);
      expect(JSON.stringify(sent[0]!.content)).toContain("remember the number 42");
      expect(JSON.stringify(sent[2]!.content)).toContain("which number?");
    } finally {
      again.stop(true);
      await restarted.idle();
    }
  });

  test("a previous_response_id pier does not know, and bad input, are clear 400s", async () => {
    const client = await openai();
    const unknown = await client.responses
      .create({ model: "compat/gpt-4o-mini", input: "x", previous_response_id: "resp_nope" })
      .catch((e) => e);
    expect(unknown).toBeInstanceOf(OpenAI.BadRequestError);
    expect(String(unknown.message)).toContain("previous_response_id resp_nope is unknown");
    const badTool = await client.responses
      .create({ model: "compat/gpt-4o-mini", input: "x", tools: [{ type: "web_search" }] })
      .catch((e) => e);
    expect(badTool.status).toBe(400);
    const res = await fetch(`${base()}/ai/v1/responses`, {
      method: "POST",
      headers: { authorization: `Bearer ${await newKey()}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "compat/x", input: 42 }),
    });
    expect(res.status).toBe(400);
  });

  test("stored responses: background is refused, retrieve/delete/cancel are 404s that say why", async () => {
    const client = await openai();
    const before = native.requests.length;
    const background = await client.responses
      .create({ model: "openai/gpt-4o-mini", input: "x", background: true })
      .catch((e) => e);
    expect(background).toBeInstanceOf(OpenAI.BadRequestError);
    expect(String(background.message)).toContain("does not relay background responses");
    expect(native.requests.length).toBe(before);
    for (const call of [
      () => client.responses.retrieve("resp_1"),
      () => client.responses.delete("resp_1"),
      () => client.responses.cancel("resp_1"),
    ]) {
      const error = await call().catch((e) => e);
      expect(error).toBeInstanceOf(OpenAI.NotFoundError);
      expect(String(error.message)).toContain("pier keeps no stored responses");
    }
    // Without a key it is the 401 of every gateway route.
    expect((await fetch(`${base()}/ai/v1/responses/resp_1`)).status).toBe(401);
  });
});

describe("Messages API", () => {
  test("an Anthropic provider gets the request as it came", async () => {
    const client = await anthropic();
    const message = await client.messages.create({
      model: "claude/claude-3-5-haiku-latest",
      max_tokens: 100,
      messages: [{ role: "user", content: "salut" }],
    });
    expect(texts(message)).toEqual(["Bonjour depuis Claude"]);
    expect(claude.requests.at(-1)!.body.model).toBe("claude-3-5-haiku-latest");
    expect(claude.requests.at(-1)!.headers.get("x-api-key")).toBeNull();
    expect(await lastUsage()).toMatchObject({
      endpoint: "messages",
      provider: "claude",
      completionTokens: 3,
    });

    const stream = client.messages.stream({
      model: "claude/claude-3-5-haiku-latest",
      max_tokens: 100,
      messages: [{ role: "user", content: "stream" }],
    });
    const final = await stream.finalMessage();
    expect(texts(final)).toEqual(["Bonjour depuis Claude"]);
    expect(await lastUsage()).toMatchObject({ stream: true, completionTokens: 3 });
  });

  test("an OpenAI-compatible provider through chat completions, plain and streamed", async () => {
    const client = await anthropic();
    const message = await client.messages.create({
      model: "compat/gpt-4o-mini",
      max_tokens: 100,
      system: "Be brief.",
      messages: [{ role: "user", content: "say hello" }],
    });
    expect(texts(message)).toEqual(["Hello from the fake provider"]);
    expect(message.stop_reason).toBe("end_turn");
    expect(message.usage.output_tokens).toBe(5);
    expect(compat.requests.at(-1)!.body.messages).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "say hello" },
    ]);

    const stream = client.messages.stream({
      model: "compat/gpt-4o-mini",
      max_tokens: 100,
      messages: [{ role: "user", content: "stream please" }],
    });
    const pieces: string[] = [];
    stream.on("text", (t) => pieces.push(t));
    const final = await stream.finalMessage();
    expect(pieces.join("")).toBe("Hello from the fake provider");
    expect(final.usage.output_tokens).toBe(5);
    expect(final.usage.input_tokens).toBeGreaterThan(0);
    expect(await lastUsage()).toMatchObject({ endpoint: "messages", stream: true, completionTokens: 5 });
  });

  test("tool_use and tool_result through an OpenAI-compatible provider, plain and streamed", async () => {
    const client = await anthropic();
    const tools = [
      { name: weather.name, description: weather.description, input_schema: weather.parameters },
    ];
    const model = "compat/gpt-4o-mini";
    for (const streamed of [false, true]) {
      const question = { role: "user" as const, content: "Weather in Paris?" };
      const params = { model, max_tokens: 100, tools, messages: [question] };
      const first = streamed
        ? await client.messages.stream(params).finalMessage()
        : await client.messages.create(params);
      expect(first.stop_reason).toBe("tool_use");
      const use = first.content.find((b) => b.type === "tool_use")!;
      expect(use).toMatchObject({ type: "tool_use", name: "get_weather", input: { city: "Paris" } });
      const followUp = {
        ...params,
        messages: [
          question,
          { role: "assistant" as const, content: first.content },
          {
            role: "user" as const,
            content: [
              {
                type: "tool_result" as const,
                tool_use_id: use.type === "tool_use" ? use.id : "",
                content: "sunny",
              },
            ],
          },
        ],
      };
      const answer = streamed
        ? await client.messages.stream(followUp).finalMessage()
        : await client.messages.create(followUp);
      expect(texts(answer)).toEqual(["Tools said: sunny"]);
    }
  });

  test("models in Anthropic's shape; beta flags reach an Anthropic provider", async () => {
    const client = await anthropic();
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toContain("sturdy");
    const openaiIds = (await (await openai()).models.list()).data.map((m) => m.id);
    expect(openaiIds).toEqual(ids);

    const beta = await client.beta.messages.create({
      model: "claude/claude-3-5-haiku-latest",
      max_tokens: 20,
      betas: ["token-efficient-tools-2025-02-19"],
      messages: [{ role: "user", content: "beta" }],
    });
    expect(beta.content[0]).toMatchObject({ type: "text", text: "Bonjour depuis Claude" });
    expect(claude.requests.at(-1)!.headers.get("anthropic-beta")).toBe("token-efficient-tools-2025-02-19");
  });

  test("count_tokens: counted by an Anthropic provider, estimated for the others", async () => {
    const client = await anthropic();
    const messages = [{ role: "user" as const, content: "how many tokens is this" }];
    const exact = await client.messages.countTokens({ model: "sturdy", messages }).withResponse();
    // sturdy is broken/… then claude/…: the Anthropic target answers, with its own model name.
    expect(exact.response.headers.get("x-pier-provider")).toBe("claude");
    expect(claude.requests.at(-1)).toMatchObject({
      path: "/v1/messages/count_tokens",
      body: { model: "claude-3-5-haiku-latest" },
    });
    expect(exact.data.input_tokens).toBeGreaterThan(0);
    const estimate = await client.messages
      .countTokens({ model: "compat/gpt-4o-mini", system: "Be brief.", messages })
      .withResponse();
    expect(estimate.response.headers.get("x-pier-token-count")).toBe("estimate");
    // (23 + 9 characters) / 4 + 3 for the turn
    expect(estimate.data.input_tokens).toBe(11);
  });

  test("errors in Anthropic's shape: bad key, missing max_tokens", async () => {
    const bad = new Anthropic({ baseURL: `${base()}/ai`, apiKey: "pier_ai_nope", maxRetries: 0 });
    const unauthorized = await bad.messages
      .create({ model: "compat/x", max_tokens: 10, messages: [{ role: "user", content: "x" }] })
      .catch((e) => e);
    expect(unauthorized).toBeInstanceOf(Anthropic.AuthenticationError);
    const res = await fetch(`${base()}/ai/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": await newKey(), "content-type": "application/json" },
      body: JSON.stringify({ model: "compat/x", messages: [{ role: "user", content: "x" }] }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
  });
});

describe("limits, budgets and the cache, as for chat", () => {
  test("a repeated Responses request is a cache hit in the client's API, plain and streamed", async () => {
    const client = await openai();
    const body = { model: "compat/gpt-4o-mini", input: `cache ${crypto.randomUUID()}` };
    const first = await client.responses.create(body);
    const served = compat.requests.length;
    const second = await client.responses.create(body).withResponse();
    expect(second.response.headers.get("x-pier-cache")).toBe("hit");
    expect(second.data.output_text).toBe(first.output_text);
    expect(compat.requests.length).toBe(served);
    const streamed = { ...body, input: `${body.input} streamed` };
    await client.responses.stream(streamed).finalResponse();
    const replayed = await client.responses.stream(streamed).finalResponse();
    expect(replayed.output_text).toBe("Hello from the fake provider");
    expect(compat.requests.length).toBe(served + 1);
    expect(await lastUsage()).toMatchObject({ cached: true, endpoint: "responses", costUsd: 0 });
  });

  test("requests per minute: 429 in Anthropic's shape; a spent budget: 402", async () => {
    const limited = new Anthropic({
      baseURL: `${base()}/ai`,
      apiKey: await newKey({ requestsPerMinute: 1 }),
      maxRetries: 0,
    });
    const ask = (client: Anthropic) =>
      client.messages.create(
        { model: "compat/gpt-4o-mini", max_tokens: 10, messages: [{ role: "user", content: "limits" }] },
        { headers: { "x-pier-cache": "no-store" } },
      );
    await ask(limited);
    const tooMany = await ask(limited).catch((e) => e);
    expect(tooMany).toBeInstanceOf(Anthropic.RateLimitError);
    expect(tooMany.error).toMatchObject({ type: "error", error: { type: "rate_limit_error" } });

    const spent = new OpenAI({
      baseURL: `${base()}/ai/v1`,
      apiKey: await newKey({ monthlyBudgetUsd: 0.000001 }),
      maxRetries: 0,
    });
    const input = { model: "compat/gpt-4o-mini", input: "budget" };
    await spent.responses.create(input, { headers: { "x-pier-cache": "no-store" } });
    const refused = await spent.responses
      .create(input, { headers: { "x-pier-cache": "no-store" } })
      .catch((e) => e);
    expect(refused.status).toBe(402);
  });
});
