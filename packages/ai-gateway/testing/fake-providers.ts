// Local stand-ins for an OpenAI-compatible server and Anthropic's Messages API: real HTTP on
// 127.0.0.1, streams written chunk by chunk with delays, failures on demand, every request counted.
import type { Server } from "bun";

export interface FakeProviderOptions {
  /** Words streamed one per chunk. */
  tokens?: string[];
  chunkDelayMs?: number;
  /** Required key; requests with another one get 401. */
  apiKey?: string;
}

export interface FakeProvider {
  url: string;
  server: Server<unknown>;
  requests: { path: string; body: Record<string, unknown>; headers: Headers }[];
  /** The next `count` requests answer `status` (e.g. 500 or 429). */
  failNext(count: number, status: number): void;
  /** The next `count` requests wait this long before any byte is sent. */
  stallNext(count: number, ms: number): void;
  stop(): void;
}

const encoder = new TextEncoder();

function words(value: unknown): number {
  return JSON.stringify(value ?? "")
    .split(/\s+/)
    .filter(Boolean).length;
}

function streamOf(parts: (() => string)[], delayMs: number): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    async pull(controller) {
      if (i >= parts.length) {
        controller.close();
        return;
      }
      if (i > 0 && delayMs > 0) await Bun.sleep(delayMs);
      controller.enqueue(encoder.encode(parts[i++]!()));
    },
  });
}

function fakeServer(
  options: FakeProviderOptions,
  handle: (path: string, body: Record<string, unknown>, headers: Headers) => Response,
): FakeProvider {
  const requests: FakeProvider["requests"] = [];
  let failures: { count: number; status: number } = { count: 0, status: 500 };
  let stalls: { count: number; ms: number } = { count: 0, ms: 0 };
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 60,
    async fetch(req) {
      const path = new URL(req.url).pathname;
      const body = (await req.json().catch(() => ({}))) as Record<string, unknown>;
      requests.push({ path, body, headers: req.headers });
      // Decided on arrival, so a stalled request cannot take a failure meant for a later one.
      const failWith = failures.count > 0 ? failures.status : undefined;
      if (failWith !== undefined) failures.count--;
      if (stalls.count > 0) {
        stalls.count--;
        await Bun.sleep(stalls.ms);
      }
      if (failWith !== undefined) {
        return Response.json(
          { error: { message: `fake failure ${failWith}`, type: "server_error" } },
          { status: failWith },
        );
      }
      const auth = req.headers.get("authorization")?.replace(/^Bearer /, "") ?? req.headers.get("x-api-key");
      if (options.apiKey && auth !== options.apiKey)
        return Response.json(
          { error: { message: "bad key", type: "invalid_request_error" } },
          { status: 401 },
        );
      return handle(path, body, req.headers);
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    server,
    requests,
    failNext: (count, status) => {
      failures = { count, status };
    },
    stallNext: (count, ms) => {
      stalls = { count, ms };
    },
    stop: () => server.stop(true),
  };
}

/** Serves `/v1/chat/completions`, `/v1/completions`, `/v1/embeddings` like OpenAI does. */
export function startFakeOpenAi(options: FakeProviderOptions = {}): FakeProvider {
  const tokens = options.tokens ?? ["Hello", " from", " the", " fake", " provider"];
  const delay = options.chunkDelayMs ?? 0;
  return fakeServer(options, (path, body) => {
    const model = String(body.model);
    const created = Math.floor(Date.now() / 1000);
    const promptTokens = words(body.messages ?? body.prompt ?? body.input);
    if (path === "/v1/embeddings") {
      const inputs = Array.isArray(body.input) ? body.input : [body.input];
      return Response.json({
        object: "list",
        model,
        data: inputs.map((input, index) => ({
          object: "embedding",
          index,
          embedding: [index, words(input), 0.5],
        })),
        usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
      });
    }
    const chat = path === "/v1/chat/completions";
    if (!chat && path !== "/v1/completions") return new Response("not found", { status: 404 });
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: tokens.length,
      total_tokens: promptTokens + tokens.length,
    };
    const object = chat ? "chat.completion" : "text_completion";
    if (!body.stream) {
      const choice = chat
        ? { index: 0, message: { role: "assistant", content: tokens.join("") }, finish_reason: "stop" }
        : { index: 0, text: tokens.join(""), finish_reason: "stop" };
      return Response.json({ id: "chatcmpl-fake", object, created, model, choices: [choice], usage });
    }
    const event = (choice: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      `data: ${JSON.stringify({ id: "chatcmpl-fake", object: `${object}.chunk`.replace("text_completion.chunk", "text_completion"), created, model, choices: [choice], ...extra })}\n\n`;
    const parts: (() => string)[] = [];
    if (chat)
      parts.push(() => event({ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }));
    for (const token of tokens)
      parts.push(() =>
        event(
          chat
            ? { index: 0, delta: { content: token }, finish_reason: null }
            : { index: 0, text: token, finish_reason: null },
        ),
      );
    parts.push(() =>
      event(
        chat ? { index: 0, delta: {}, finish_reason: "stop" } : { index: 0, text: "", finish_reason: "stop" },
      ),
    );
    const options = body.stream_options as { include_usage?: boolean } | undefined;
    if (options?.include_usage)
      parts.push(
        () =>
          `data: ${JSON.stringify({ id: "chatcmpl-fake", object: "chat.completion.chunk", created, model, choices: [], usage })}\n\n`,
      );
    parts.push(() => "data: [DONE]\n\n");
    return new Response(streamOf(parts, delay), { headers: { "content-type": "text/event-stream" } });
  });
}

/** Serves `/v1/messages` like Anthropic's Messages API, streaming included. */
export function startFakeAnthropic(options: FakeProviderOptions = {}): FakeProvider {
  const tokens = options.tokens ?? ["Bonjour", " depuis", " Claude"];
  const delay = options.chunkDelayMs ?? 0;
  return fakeServer(options, (path, body) => {
    if (path !== "/v1/messages") return new Response("not found", { status: 404 });
    if (typeof body.max_tokens !== "number" || !Array.isArray(body.messages))
      return Response.json(
        {
          type: "error",
          error: { type: "invalid_request_error", message: "max_tokens and messages are required" },
        },
        { status: 400 },
      );
    const inputTokens = words(body.messages) + words(body.system);
    const model = String(body.model);
    if (!body.stream) {
      return Response.json({
        id: "msg_fake",
        type: "message",
        role: "assistant",
        model,
        content: [{ type: "text", text: tokens.join("") }],
        stop_reason: "end_turn",
        usage: { input_tokens: inputTokens, output_tokens: tokens.length },
      });
    }
    const sse = (type: string, data: Record<string, unknown>) =>
      `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
    const parts: (() => string)[] = [
      () =>
        sse("message_start", {
          message: {
            id: "msg_fake",
            type: "message",
            role: "assistant",
            model,
            content: [],
            usage: { input_tokens: inputTokens, output_tokens: 1 },
          },
        }),
      () =>
        sse("content_block_start", { index: 0, content_block: { type: "text", text: "" } }) + sse("ping", {}),
      ...tokens.map(
        (text) => () => sse("content_block_delta", { index: 0, delta: { type: "text_delta", text } }),
      ),
      () => sse("content_block_stop", { index: 0 }),
      () =>
        sse("message_delta", {
          delta: { stop_reason: "end_turn", stop_sequence: null },
          usage: { output_tokens: tokens.length },
        }),
      () => sse("message_stop", {}),
    ];
    return new Response(streamOf(parts, delay), { headers: { "content-type": "text/event-stream" } });
  });
}
