import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FakeProvider, startFakeAnthropic, startFakeOpenAi } from "@pier/ai-gateway/testing";
import OpenAI from "openai";
import { testClickHouse } from "../support/clickhouse.ts";
import { type PierProcess, runCli, startPier } from "../support/pier-process.ts";

// The AI gateway through the compiled binary: providers, aliases and keys set with the CLI, the
// official openai client on /ai/v1, and the same endpoints on an app host via the proxy.
const adminToken = `pier_ai${crypto.randomUUID().replaceAll("-", "")}`;
const openAiKey = `sk-local-${crypto.randomUUID()}`;
let pier: PierProcess;
let local: FakeProvider;
let flaky: FakeProvider;
let claude: FakeProvider;
const chunkDelayMs = 50;

const cli = (args: string[], stdin?: string) =>
  runCli(["ai", ...args], { PIER_URL: pier.url, PIER_TOKEN: adminToken, HOME: pier.dataDir }, stdin);

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${pier.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function issueKey(args: string[]): Promise<string> {
  const result = await cli(["key", ...args]);
  expect(result.code).toBe(0);
  return result.stdout.trim();
}

const client = (apiKey: string) => new OpenAI({ baseURL: `${pier.url}/ai/v1`, apiKey, maxRetries: 0 });

beforeAll(async () => {
  local = startFakeOpenAi({ apiKey: openAiKey, chunkDelayMs });
  flaky = startFakeOpenAi({ tokens: ["never"] });
  claude = startFakeAnthropic({ apiKey: "sk-ant-local", chunkDelayMs });
  pier = await startPier({ env: { PIER_ADMIN_TOKEN: adminToken }, args: ["--proxy-workers", "1"] });
  const steps = [
    await cli(
      [
        "provider",
        "local",
        "--kind",
        "openai-compatible",
        "--base-url",
        `${local.url}/v1`,
        "--api-key-stdin",
        "--models",
        "gpt-4o-mini,text-embedding-3-small",
      ],
      `${openAiKey}\n`,
    ),
    await cli(["provider", "flaky", "--kind", "openai-compatible", "--base-url", `${flaky.url}/v1`]),
    await cli(
      ["provider", "claude", "--kind", "anthropic", "--base-url", claude.url, "--api-key-stdin"],
      "sk-ant-local",
    ),
    await cli(["alias", "smart", "flaky/gpt-4o-mini,local/gpt-4o-mini"]),
  ];
  for (const step of steps) expect(step.stderr).toBe("");
  await api("POST", "/api/v1/apps", { name: "shop" });
});

afterAll(async () => {
  await pier?.stop();
  for (const p of [local, flaky, claude]) p?.stop();
});

describe("AI gateway through pier serve", () => {
  test("the CLI lists what it configured; provider keys are encrypted at rest", async () => {
    const providers = await cli(["providers"]);
    expect(providers.stdout).toContain("local");
    expect(providers.stdout).toContain("anthropic");
    const db = readFileSync(join(pier.dataDir, "pier.db"));
    expect(db.includes(openAiKey)).toBe(false);
  });

  test("openai client: chat, streaming with incremental chunks, embeddings", async () => {
    const openai = client(await issueKey(["web", "--app", "shop"]));
    const reply = await openai.chat.completions.create({
      model: "local/gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(reply.choices[0]!.message.content).toBe("Hello from the fake provider");

    const times: number[] = [];
    let text = "";
    for await (const chunk of await openai.chat.completions.create({
      model: "local/gpt-4o-mini",
      messages: [{ role: "user", content: "stream" }],
      stream: true,
    })) {
      const delta = chunk.choices[0]?.delta.content;
      if (delta) {
        times.push(performance.now());
        text += delta;
      }
    }
    expect(text).toBe("Hello from the fake provider");
    // Five tokens 50 ms apart must arrive spread out, not in one buffered burst at the end.
    expect(times.at(-1)! - times[0]!).toBeGreaterThan(chunkDelayMs * (times.length - 1) * 0.7);

    const embeddings = await openai.embeddings.create({
      model: "local/text-embedding-3-small",
      input: "one two",
    });
    expect(embeddings.data[0]!.embedding).toEqual([0, 2, 0.5]);
  });

  test("anthropic behind the OpenAI API, streamed", async () => {
    const openai = client(await issueKey(["claude-user"]));
    let text = "";
    for await (const chunk of await openai.chat.completions.create({
      model: "claude/claude-3-5-haiku-latest",
      messages: [{ role: "user", content: "salut" }],
      stream: true,
    }))
      text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("Bonjour depuis Claude");
  });

  test("tool calls with an anthropic provider: the official client's two-step flow, plain and streamed", async () => {
    const key = await issueKey(["claude-tools"]);
    const openai = client(key);
    const model = "claude/claude-3-5-haiku-latest";
    const tools = [
      {
        type: "function" as const,
        function: {
          name: "get_weather",
          description: "Current weather of a city",
          parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
        },
      },
    ];
    const question = { role: "user" as const, content: "Weather in Oslo?" };
    const first = await openai.chat.completions.create({
      model,
      messages: [question],
      tools,
      tool_choice: "auto",
    });
    const choice = first.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    const call = choice.message.tool_calls![0]!;
    expect(call.type).toBe("function");
    if (call.type !== "function") throw new Error("function tool call expected");
    expect(call.function.name).toBe("get_weather");
    expect(JSON.parse(call.function.arguments)).toEqual({ city: "Oslo" });

    // The tool's answer goes back with the call id; the provider checks it answers its tool_use.
    const second = await openai.chat.completions.create({
      model,
      messages: [question, choice.message, { role: "tool", tool_call_id: call.id, content: "-3 C, snow" }],
      tools,
    });
    expect(second.choices[0]!.message.content).toBe("Tools said: -3 C, snow");

    // Streamed: the call arrives as tool_calls deltas that the client joins into JSON arguments.
    let name = "";
    let args = "";
    let finish: string | null = null;
    for await (const chunk of await openai.chat.completions.create({
      model,
      messages: [{ role: "user", content: "Weather in Rome?" }],
      tools,
      stream: true,
    })) {
      for (const t of chunk.choices[0]?.delta.tool_calls ?? []) {
        name += t.function?.name ?? "";
        args += t.function?.arguments ?? "";
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(name).toBe("get_weather");
    expect(JSON.parse(args)).toEqual({ city: "Rome" });
    expect(finish).toBe("tool_calls");

    // A malformed tool field is the caller's 400, not a provider error.
    const bad = await fetch(`${pier.url}/ai/v1/chat/completions`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${await issueKey(["claude-user"])}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({
        model,
        messages: [{ role: "user", content: "x" }],
        tools: [{ type: "function" }],
      }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain("tools");
  });

  test("fallback on 500, cache on the second call", async () => {
    const openai = client(await issueKey(["fallback"]));
    flaky.failNext(10, 500);
    const body = {
      model: "smart",
      messages: [{ role: "user" as const, content: `fb ${crypto.randomUUID()}` }],
    };
    const first = await openai.chat.completions.create(body).withResponse();
    expect(first.data.choices[0]!.message.content).toBe("Hello from the fake provider");
    expect(first.response.headers.get("x-pier-provider")).toBe("local");
    const servedBefore = local.requests.length;
    const second = await openai.chat.completions.create(body).withResponse();
    expect(second.response.headers.get("x-pier-cache")).toBe("hit");
    expect(local.requests.length).toBe(servedBefore);
    flaky.failNext(0, 500);
  });

  test("limits: 429 with Retry-After, then 402 once the budget is spent", async () => {
    const limited = client(await issueKey(["limited", "--rpm", "1"]));
    const ask = (openai: OpenAI) =>
      openai.chat.completions.create(
        { model: "local/gpt-4o-mini", messages: [{ role: "user", content: "limits" }] },
        { headers: { "x-pier-cache": "no-store" } },
      );
    await ask(limited);
    const tooMany = (await ask(limited).catch((e) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(tooMany.status).toBe(429);
    expect(Number(tooMany.headers?.get("retry-after"))).toBeGreaterThan(0);

    const issued = await cli(["key", "broke", "--budget", "0.000001"]);
    const keyId = /Created AI key (\S+)\./.exec(issued.stderr)![1]!;
    const broke = client(issued.stdout.trim());
    await ask(broke);
    expect(((await ask(broke).catch((e) => e)) as { status: number }).status).toBe(402);
    // Raising the budget takes effect on the next request.
    expect((await cli(["limits", keyId, "--budget", "none"])).code).toBe(0);
    await ask(broke);
  });

  test("/_pier/ai/v1 on an app host goes through the proxy, streaming intact", async () => {
    await api("POST", "/api/v1/routes", { host: "ai.shop.test", upstreams: [local.url] });
    const key = await issueKey(["host"]);
    const started = performance.now();
    const res = await fetch(`http://127.0.0.1:${pier.httpPort}/_pier/ai/v1/chat/completions`, {
      method: "POST",
      headers: { host: "ai.shop.test", authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: "local/gpt-4o-mini",
        stream: true,
        messages: [{ role: "user", content: "via host" }],
      }),
    });
    expect(res.status).toBe(200);
    const arrivals: number[] = [];
    let body = "";
    const decoder = new TextDecoder();
    for await (const chunk of res.body!) {
      arrivals.push(performance.now() - started);
      body += decoder.decode(chunk);
    }
    expect(body).toContain('"content":" provider"');
    expect(body.trimEnd().endsWith("data: [DONE]")).toBe(true);
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThan(chunkDelayMs * 3);
  });

  test("a key bound to one app is refused on another app's host; only the proxy says which app", async () => {
    const key = await issueKey(["bound", "--app", "shop"]);
    // Another app with a route: a static site deployed from a tarball, at other.localhost.
    expect(
      (
        await fetch(`${pier.url}/api/v1/apps`, {
          method: "POST",
          headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
          body: JSON.stringify({ name: "other" }),
        })
      ).status,
    ).toBe(201);
    const site = mkdtempSync(join(tmpdir(), "pier-ai-other-"));
    writeFileSync(join(site, "index.html"), "<h1>other</h1>");
    const deploy = await fetch(`${pier.url}/api/v1/apps/other/deploy`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/gzip" },
      body: new Uint8Array(Bun.spawnSync(["tar", "-czf", "-", "-C", site, "."]).stdout),
    });
    expect(deploy.status).toBeLessThan(300);
    const onOther = () =>
      fetch(`http://127.0.0.1:${pier.httpPort}/_pier/ai/v1/models`, {
        headers: { host: "other.localhost", authorization: `Bearer ${key}` },
      });
    let res = await onOther();
    for (let i = 0; i < 100 && res.status !== 403; i++) {
      await Bun.sleep(100);
      res = await onOther();
    }
    expect(res.status).toBe(403);
    // Sent straight to the console, X-Pier-App is the client's word: it binds nothing.
    const forged = await fetch(`${pier.url}/_pier/ai/v1/models`, {
      headers: { authorization: `Bearer ${key}`, "x-pier-app": "app_someoneelse" },
    });
    expect(forged.status).toBe(200);
  });

  test("usage and spend per app and model", async () => {
    await Bun.sleep(100);
    const { usage } = await api<{
      usage: {
        app: string | null;
        provider: string;
        costUsd: number;
        ttftMs: number | null;
        stream: boolean;
      }[];
    }>("GET", "/api/v1/ai/usage?app=shop");
    expect(usage.length).toBeGreaterThanOrEqual(3);
    expect(usage.every((u) => u.app === "shop")).toBe(true);
    expect(usage.some((u) => u.stream && u.ttftMs !== null)).toBe(true);
    const spend = await cli(["spend", "--json"]);
    const report = JSON.parse(spend.stdout) as {
      total: { costUsd: number };
      byApp: { app: string; costUsd: number }[];
      byModel: { model: string }[];
    };
    expect(report.total.costUsd).toBeGreaterThan(0);
    expect(report.byApp.find((a) => a.app === "shop")!.costUsd).toBeGreaterThan(0);
    expect(report.byModel.map((m) => m.model)).toContain("local/gpt-4o-mini");
    expect(report.byModel.map((m) => m.model)).toContain("claude/claude-3-5-haiku-latest");
  });
});

const clickhouse = await testClickHouse("ai_e2e");
describe("AI usage in ClickHouse", () => {
  test.skipIf(!clickhouse.available)("with --clickhouse-url the usage rows land in ClickHouse", async () => {
    const database = clickhouse.freshDatabase();
    const token = `pier_ch${crypto.randomUUID().replaceAll("-", "")}`;
    const withClickHouse = await startPier({
      env: { PIER_ADMIN_TOKEN: token, PIER_CLICKHOUSE_URL: `${clickhouse.url}/${database}` },
      args: ["--proxy-workers", "0"],
    });
    try {
      const env = { PIER_URL: withClickHouse.url, PIER_TOKEN: token, HOME: withClickHouse.dataDir };
      await runCli(
        [
          "ai",
          "provider",
          "local",
          "--kind",
          "openai-compatible",
          "--base-url",
          `${local.url}/v1`,
          "--api-key-stdin",
        ],
        env,
        openAiKey,
      );
      const key = (await runCli(["ai", "key", "ch"], env)).stdout.trim();
      const openai = new OpenAI({ baseURL: `${withClickHouse.url}/ai/v1`, apiKey: key, maxRetries: 0 });
      await openai.chat.completions.create({
        model: "local/gpt-4o-mini",
        messages: [{ role: "user", content: "ch" }],
      });
      const res = await fetch(`${withClickHouse.url}/api/v1/ai/usage`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const { usage } = (await res.json()) as { usage: { provider: string; costUsd: number }[] };
      expect(usage).toHaveLength(1);
      expect(usage[0]!.provider).toBe("local");
      expect(await clickhouse.query(`SELECT count() FROM ${database}.ai_usage`)).toBe("1");
    } finally {
      await withClickHouse.stop();
      await clickhouse.dropDatabases();
    }
  });
});
