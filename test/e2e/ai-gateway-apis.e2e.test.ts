import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import { type FakeProvider, startFakeAnthropic, startFakeOpenAi } from "@pier/ai-gateway/testing";
import OpenAI from "openai";
import { type PierProcess, runCli, startPier } from "../support/pier-process.ts";

// The Responses API and Anthropic's Messages API through the compiled binary, with the official
// `openai` and `@anthropic-ai/sdk` clients, against local fake providers: OpenAI itself (it has
// /responses), an OpenAI-compatible server (it has not), Anthropic, and one that always fails.
const adminToken = `pier_ai${crypto.randomUUID().replaceAll("-", "")}`;
let pier: PierProcess;
let openaiFake: FakeProvider;
let compat: FakeProvider;
let claude: FakeProvider;
let failing: FakeProvider;
// Far enough apart that a stream relayed as it comes stays spread out on a busy machine (the
// suites run side by side), while one buffered until its end arrives in one burst.
const chunkDelayMs = 120;
const spreadOf = (arrivals: number[]) => arrivals.at(-1)! - arrivals[0]!;

const cli = (args: string[], stdin?: string) =>
  runCli(["ai", ...args], { PIER_URL: pier.url, PIER_TOKEN: adminToken, HOME: pier.dataDir }, stdin);

async function issueKey(name: string): Promise<string> {
  const result = await cli(["key", name, "--app", "shop"]);
  expect(result.code).toBe(0);
  return result.stdout.trim();
}

const openaiClient = async (name: string) =>
  new OpenAI({ baseURL: `${pier.url}/ai/v1`, apiKey: await issueKey(name), maxRetries: 0 });
const anthropicClient = async (name: string) =>
  new Anthropic({ baseURL: `${pier.url}/ai`, apiKey: await issueKey(name), maxRetries: 0 });

type UsageRow = {
  endpoint: string;
  provider: string | null;
  model: string | null;
  requestedModel: string;
  status: number;
  stream: boolean;
  attempts: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
};
async function usage(): Promise<UsageRow[]> {
  // Usage rows are written after the answer, without making the client wait.
  await Bun.sleep(150);
  const res = await fetch(`${pier.url}/api/v1/ai/usage?app=shop&limit=1000`, {
    headers: { authorization: `Bearer ${adminToken}` },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { usage: UsageRow[] }).usage;
}

/** The text of each block of a message (the block's type for the others). */
const texts = (message: Anthropic.Message) =>
  message.content.map((b) => (b.type === "text" ? b.text : b.type));

const weather = {
  name: "get_weather",
  description: "Current weather of a city",
  parameters: { type: "object" as const, properties: { city: { type: "string" } }, required: ["city"] },
};

beforeAll(async () => {
  openaiFake = startFakeOpenAi({ responses: true, tokens: ["Native", " answer"], chunkDelayMs });
  compat = startFakeOpenAi({ chunkDelayMs });
  claude = startFakeAnthropic({ apiKey: "sk-ant-local", chunkDelayMs });
  failing = startFakeOpenAi();
  failing.failNext(1_000_000, 500);
  pier = await startPier({ env: { PIER_ADMIN_TOKEN: adminToken }, args: ["--proxy-workers", "1"] });
  const steps = [
    await cli(["provider", "openai", "--kind", "openai", "--base-url", `${openaiFake.url}/v1`]),
    await cli(["provider", "compat", "--kind", "openai-compatible", "--base-url", `${compat.url}/v1`]),
    await cli(
      ["provider", "claude", "--kind", "anthropic", "--base-url", claude.url, "--api-key-stdin"],
      "sk-ant-local",
    ),
    await cli(["provider", "failing", "--kind", "openai-compatible", "--base-url", `${failing.url}/v1`]),
    await cli(["alias", "to-claude", "failing/gpt-4o-mini,claude/claude-3-5-haiku-latest"]),
    await cli(["alias", "to-compat", "failing/gpt-4o-mini,compat/gpt-4o-mini"]),
  ];
  for (const step of steps) expect(step.stderr).toBe("");
  const admin = (method: string, path: string, body: unknown) =>
    fetch(`${pier.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  // One attempt per target: a fallback is then exactly two attempts.
  expect((await admin("PATCH", "/api/v1/ai/settings", { retries: 0 })).status).toBe(200);
  expect((await admin("POST", "/api/v1/apps", { name: "shop" })).status).toBe(201);
});

afterAll(async () => {
  await pier?.stop();
  for (const p of [openaiFake, compat, claude, failing]) p?.stop();
});

describe("Responses API through pier serve", () => {
  test("responses.create and responses.stream on an OpenAI-compatible provider, events as they are sent", async () => {
    const client = await openaiClient("responses-compat");
    const reply = await client.responses.create({
      model: "compat/gpt-4o-mini",
      instructions: "Be brief.",
      input: "say hello",
    });
    expect(reply.output_text).toBe("Hello from the fake provider");
    expect(compat.requests.at(-1)!.path).toBe("/v1/chat/completions");
    expect(compat.requests.at(-1)!.body.messages).toEqual([
      { role: "system", content: "Be brief." },
      { role: "user", content: "say hello" },
    ]);

    const stream = client.responses.stream({ model: "compat/gpt-4o-mini", input: "stream please" });
    const arrivals: number[] = [];
    stream.on("response.output_text.delta", () => arrivals.push(performance.now()));
    const final = await stream.finalResponse();
    expect(final.output_text).toBe("Hello from the fake provider");
    expect(final.usage?.output_tokens).toBe(5);
    // Five tokens 120 ms apart arrive spread out, not in one burst at the end.
    expect(arrivals.length).toBe(5);
    expect(spreadOf(arrivals)).toBeGreaterThan(chunkDelayMs * 4 * 0.5);

    // The next turn continues the streamed one by previous_response_id: pier kept the conversation.
    const next = await client.responses.create({
      model: "compat/gpt-4o-mini",
      input: "and again",
      previous_response_id: final.id,
    });
    expect(next.output_text).toBe("Hello from the fake provider");
    expect(compat.requests.at(-1)!.body.messages).toEqual([
      { role: "user", content: "stream please" },
      { role: "assistant", content: "Hello from the fake provider" },
      { role: "user", content: "and again" },
    ]);
  });

  test("an OpenAI provider gets /responses as it came, previous_response_id and stream included", async () => {
    const client = await openaiClient("responses-native");
    const first = await client.responses.create({ model: "openai/gpt-4.1-mini", input: "hi" });
    expect(first.output_text).toBe("Native answer");
    const second = await client.responses
      .stream({ model: "openai/gpt-4.1-mini", input: "more", previous_response_id: first.id })
      .finalResponse();
    expect(second.output_text).toBe("Earlier: Native answer");
    const sent = openaiFake.requests.at(-1)!;
    expect(sent.path).toBe("/v1/responses");
    expect(sent.body).toMatchObject({ model: "gpt-4.1-mini", previous_response_id: first.id, stream: true });
  });

  for (const model of ["compat/gpt-4o-mini", "claude/claude-3-5-haiku-latest"]) {
    test(`tools on ${model}: function_call, then function_call_output, created and streamed`, async () => {
      const client = await openaiClient(`responses-tools-${model.split("/")[0]}`);
      const tools = [{ type: "function" as const, strict: false, ...weather }];
      const first = await client.responses.create({ model, input: "Weather in Oslo?", tools });
      const call = first.output.find((o) => o.type === "function_call");
      if (call?.type !== "function_call") throw new Error("a function_call item was expected");
      expect(call.name).toBe("get_weather");
      expect(JSON.parse(call.arguments)).toEqual({ city: "Oslo" });
      const answer = await client.responses.create({
        model,
        tools,
        input: [
          { role: "user", content: "Weather in Oslo?" },
          call,
          { type: "function_call_output", call_id: call.call_id, output: "-3 C, snow" },
        ],
      });
      expect(answer.output_text).toBe("Tools said: -3 C, snow");

      const stream = client.responses.stream({ model, input: "Weather in Rome?", tools });
      const args: string[] = [];
      stream.on("response.function_call_arguments.delta", (e) => args.push(e.delta));
      const streamed = await stream.finalResponse();
      expect(JSON.parse(args.join(""))).toEqual({ city: "Rome" });
      const streamedCall = streamed.output.find((o) => o.type === "function_call");
      if (streamedCall?.type !== "function_call") throw new Error("a function_call item was expected");
      const followUp = await client.responses
        .stream({
          model,
          tools,
          previous_response_id: streamed.id,
          input: [{ type: "function_call_output", call_id: streamedCall.call_id, output: "sunny" }],
        })
        .finalResponse();
      expect(followUp.output_text).toBe("Tools said: sunny");
    });
  }

  test("fallback from a failing provider to Anthropic, recorded with its cost", async () => {
    const client = await openaiClient("responses-fallback");
    const { data, response } = await client.responses
      .create({ model: "to-claude", input: `salut ${crypto.randomUUID()}` })
      .withResponse();
    expect(data.output_text).toBe("Bonjour depuis Claude");
    expect(response.headers.get("x-pier-provider")).toBe("claude");
    expect(response.headers.get("x-pier-attempts")).toBe("2");
    const row = (await usage()).find((u) => u.endpoint === "responses" && u.requestedModel === "to-claude")!;
    expect(row).toMatchObject({ provider: "claude", status: 200, attempts: 2, completionTokens: 3 });
    expect(row.costUsd).toBeGreaterThan(0);
  });
});

describe("Messages API through pier serve", () => {
  test("messages.create and messages.stream on Anthropic (as it came) and on an OpenAI-compatible provider", async () => {
    const client = await anthropicClient("messages");
    const native = await client.messages.create({
      model: "claude/claude-3-5-haiku-latest",
      max_tokens: 100,
      messages: [{ role: "user", content: "salut" }],
    });
    expect(texts(native)).toEqual(["Bonjour depuis Claude"]);
    expect(claude.requests.at(-1)!.headers.get("x-api-key")).toBe("sk-ant-local");
    expect(claude.requests.at(-1)!.body).toMatchObject({ model: "claude-3-5-haiku-latest", max_tokens: 100 });

    const translated = await client.messages.create({
      model: "compat/gpt-4o-mini",
      max_tokens: 100,
      system: "Be brief.",
      messages: [{ role: "user", content: "say hello" }],
    });
    expect(texts(translated)).toEqual(["Hello from the fake provider"]);
    expect(translated.usage.output_tokens).toBe(5);

    for (const model of ["claude/claude-3-5-haiku-latest", "compat/gpt-4o-mini"]) {
      const stream = client.messages.stream({
        model,
        max_tokens: 100,
        messages: [{ role: "user", content: `stream ${model}` }],
      });
      const arrivals: number[] = [];
      stream.on("text", () => arrivals.push(performance.now()));
      const final = await stream.finalMessage();
      expect(final.content[0]).toMatchObject({ type: "text" });
      expect(final.stop_reason).toBe("end_turn");
      expect(final.usage.output_tokens).toBeGreaterThan(0);
      expect(spreadOf(arrivals)).toBeGreaterThan(chunkDelayMs * (arrivals.length - 1) * 0.5);
    }
  });

  for (const model of ["compat/gpt-4o-mini", "claude/claude-3-5-haiku-latest"]) {
    test(`tool_use and tool_result on ${model}, created and streamed`, async () => {
      const client = await anthropicClient(`messages-tools-${model.split("/")[0]}`);
      const tools = [
        { name: weather.name, description: weather.description, input_schema: weather.parameters },
      ];
      for (const streamed of [false, true]) {
        const question = { role: "user" as const, content: "Weather in Paris?" };
        const params = { model, max_tokens: 200, tools, messages: [question] };
        const first = streamed
          ? await client.messages.stream(params).finalMessage()
          : await client.messages.create(params);
        expect(first.stop_reason).toBe("tool_use");
        const use = first.content.find((b) => b.type === "tool_use");
        if (use?.type !== "tool_use") throw new Error("a tool_use block was expected");
        expect(use).toMatchObject({ name: "get_weather", input: { city: "Paris" } });
        const followUp = {
          ...params,
          messages: [
            question,
            { role: "assistant" as const, content: first.content },
            {
              role: "user" as const,
              content: [{ type: "tool_result" as const, tool_use_id: use.id, content: "sunny" }],
            },
          ],
        };
        const answer = streamed
          ? await client.messages.stream(followUp).finalMessage()
          : await client.messages.create(followUp);
        expect(texts(answer)).toEqual(["Tools said: sunny"]);
      }
    });
  }

  test("fallback from a failing provider to an OpenAI-compatible one, streamed, recorded with its cost", async () => {
    const client = await anthropicClient("messages-fallback");
    const final = await client.messages
      .stream({ model: "to-compat", max_tokens: 50, messages: [{ role: "user", content: "fallback" }] })
      .finalMessage();
    expect(texts(final)).toEqual(["Hello from the fake provider"]);
    const row = (await usage()).find((u) => u.endpoint === "messages" && u.requestedModel === "to-compat")!;
    expect(row).toMatchObject({ provider: "compat", model: "gpt-4o-mini", stream: true, attempts: 2 });
    expect(row.completionTokens).toBe(5);
    expect(row.promptTokens).toBeGreaterThan(0);
    // gpt-4o-mini: $0.15 in / $0.60 out per million tokens
    expect(row.costUsd).toBeCloseTo((row.promptTokens * 0.15 + 5 * 0.6) / 1e6, 12);
  });

  test("messages.countTokens: Anthropic counts, other providers get an estimate", async () => {
    const client = await anthropicClient("count-tokens");
    const messages = [{ role: "user" as const, content: "count these words please" }];
    const exact = await client.messages.countTokens({ model: "to-claude", messages }).withResponse();
    expect(exact.response.headers.get("x-pier-provider")).toBe("claude");
    expect(claude.requests.at(-1)!.path).toBe("/v1/messages/count_tokens");
    expect(exact.data.input_tokens).toBeGreaterThan(0);
    const estimate = await client.messages
      .countTokens({ model: "compat/gpt-4o-mini", messages })
      .withResponse();
    expect(estimate.response.headers.get("x-pier-token-count")).toBe("estimate");
    expect(estimate.data.input_tokens).toBe(Math.ceil("count these words please".length / 4) + 3);
  });

  test("errors come in Anthropic's shape", async () => {
    const bad = new Anthropic({ baseURL: `${pier.url}/ai`, apiKey: "pier_ai_unknown", maxRetries: 0 });
    const error = await bad.messages
      .create({ model: "compat/gpt-4o-mini", max_tokens: 10, messages: [{ role: "user", content: "x" }] })
      .catch((e) => e);
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
    const client = await anthropicClient("messages-errors");
    const unsupported = await client.messages
      .create({
        model: "compat/gpt-4o-mini",
        max_tokens: 10,
        messages: [
          {
            role: "user",
            content: [{ type: "document", source: { type: "text", media_type: "text/plain", data: "x" } }],
          },
        ],
      })
      .catch((e) => e);
    expect(unsupported).toBeInstanceOf(Anthropic.BadRequestError);
    expect(String(unsupported.message)).toContain("document");
  });
});

describe("on an app host", () => {
  test("both SDKs through the proxy at /_pier/ai, streams intact, with the app's key", async () => {
    const route = await fetch(`${pier.url}/api/v1/routes`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ host: "ai.shop.test", upstreams: [compat.url] }),
    });
    expect(route.status).toBeLessThan(300);
    const apiKey = await issueKey("host");
    const headers = { host: "ai.shop.test" };
    const anthropic = new Anthropic({
      baseURL: `http://127.0.0.1:${pier.httpPort}/_pier/ai`,
      apiKey,
      maxRetries: 0,
      defaultHeaders: headers,
    });
    const message = await anthropic.messages
      .stream({ model: "compat/gpt-4o-mini", max_tokens: 50, messages: [{ role: "user", content: "host" }] })
      .finalMessage();
    expect(texts(message)).toEqual(["Hello from the fake provider"]);
    const openai = new OpenAI({
      baseURL: `http://127.0.0.1:${pier.httpPort}/_pier/ai/v1`,
      apiKey,
      maxRetries: 0,
      defaultHeaders: headers,
    });
    const response = await openai.responses
      .stream({ model: "claude/claude-3-5-haiku-latest", input: "host" })
      .finalResponse();
    expect(response.output_text).toBe("Bonjour depuis Claude");
  });
});
