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

/**
 * Serves `/v1/chat/completions` (tool calls included), `/v1/completions`, `/v1/embeddings` like
 * OpenAI does, and `/v1/responses` with `responses: true` (OpenAI itself; most compatible servers
 * have no /responses).
 */
export function startFakeOpenAi(options: FakeProviderOptions & { responses?: boolean } = {}): FakeProvider {
  const tokens = options.tokens ?? ["Hello", " from", " the", " fake", " provider"];
  const delay = options.chunkDelayMs ?? 0;
  const responses = new Map<string, string>();
  const hasResponses = options.responses === true;
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
    if (path === "/v1/responses") {
      if (!hasResponses) return new Response("not found", { status: 404 });
      return responsesAnswer(body, tokens, delay, responses);
    }
    const chat = path === "/v1/chat/completions";
    if (!chat && path !== "/v1/completions") return new Response("not found", { status: 404 });
    const tooling = chat ? chatToolTurn(body) : null;
    if (typeof tooling === "string")
      return Response.json({ error: { message: tooling, type: "invalid_request_error" } }, { status: 400 });
    if (tooling) return chatToolAnswer(tooling, Boolean(body.stream), model, promptTokens, delay);
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
    if (path === "/v1/messages/count_tokens")
      return Response.json({ input_tokens: words(body.messages) + words(body.system) });
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
    const tooling = toolTurn(body);
    if (typeof tooling === "string")
      return Response.json(
        { type: "error", error: { type: "invalid_request_error", message: tooling } },
        { status: 400 },
      );
    if (tooling) return toolAnswer(tooling, Boolean(body.stream), model, inputTokens, delay);
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

type AnthropicBlock = {
  type: string;
  id?: string;
  name?: string;
  tool_use_id?: string;
  content?: unknown;
  text?: string;
};
type ToolTurn =
  | { kind: "call"; tool: string; input: Record<string, unknown> }
  | { kind: "answer"; text: string };

/**
 * Tool use as Anthropic does it: with `tools` and a user question, answer with a tool_use block
 * for the first tool ({"city": <last word of the question>}); when the last user turn carries
 * tool_result blocks, they must answer the tool_use ids of the assistant turn before (else 400, as
 * Anthropic does), and the reply quotes them. A string is the 400 message; null is no tool turn.
 */
function toolTurn(body: Record<string, unknown>): ToolTurn | string | null {
  const messages = body.messages as { role: string; content: AnthropicBlock[] | string }[];
  const last = messages.at(-1);
  const blocks = Array.isArray(last?.content) ? last.content : [];
  const results = blocks.filter((b) => b.type === "tool_result");
  if (results.length > 0) {
    const previous = messages.at(-2);
    const asked = new Set(
      (Array.isArray(previous?.content) ? previous.content : [])
        .filter((b) => b.type === "tool_use")
        .map((b) => b.id),
    );
    for (const r of results)
      if (!asked.has(r.tool_use_id))
        return `tool_result ${r.tool_use_id} answers no tool_use of the previous turn`;
    return { kind: "answer", text: `Tools said: ${results.map((r) => String(r.content)).join(", ")}` };
  }
  const tools = body.tools as { name: string; input_schema?: unknown }[] | undefined;
  if (!tools?.length) return null;
  if (tools.some((t) => typeof t.input_schema !== "object")) return "tools[].input_schema is required";
  const question =
    typeof last?.content === "string"
      ? last.content
      : blocks.flatMap((b) => (b.type === "text" && b.text ? [b.text] : [])).join(" ");
  const city = question.replace(/[?!.]/g, "").split(" ").at(-1) ?? "";
  return { kind: "call", tool: tools[0]!.name, input: { city } };
}

function toolAnswer(
  turn: ToolTurn,
  stream: boolean,
  model: string,
  inputTokens: number,
  delay: number,
): Response {
  const stopReason = turn.kind === "call" ? "tool_use" : "end_turn";
  const block =
    turn.kind === "call"
      ? { type: "tool_use", id: "toolu_fake1", name: turn.tool, input: turn.input }
      : { type: "text", text: turn.text };
  if (!stream)
    return Response.json({
      id: "msg_fake_tools",
      type: "message",
      role: "assistant",
      model,
      content: [block],
      stop_reason: stopReason,
      usage: { input_tokens: inputTokens, output_tokens: 5 },
    });
  const sse = (type: string, data: Record<string, unknown>) =>
    `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  const json = JSON.stringify(block.type === "tool_use" ? block.input : {});
  const deltas =
    turn.kind === "call"
      ? [json.slice(0, 5), json.slice(5)].map(
          (partial_json) => () =>
            sse("content_block_delta", { index: 0, delta: { type: "input_json_delta", partial_json } }),
        )
      : [() => sse("content_block_delta", { index: 0, delta: { type: "text_delta", text: turn.text } })];
  const parts: (() => string)[] = [
    () =>
      sse("message_start", {
        message: { id: "msg_fake_tools", model, content: [], usage: { input_tokens: inputTokens } },
      }),
    () =>
      sse("content_block_start", {
        index: 0,
        content_block: turn.kind === "call" ? { ...block, input: {} } : { type: "text", text: "" },
      }),
    ...deltas,
    () => sse("content_block_stop", { index: 0 }),
    () => sse("message_delta", { delta: { stop_reason: stopReason }, usage: { output_tokens: 5 } }),
    () => sse("message_stop", {}),
  ];
  return new Response(streamOf(parts, delay), { headers: { "content-type": "text/event-stream" } });
}

type ChatMessage = { role: string; content?: unknown; tool_call_id?: string; tool_calls?: { id: string }[] };

/**
 * Tool calls as OpenAI does them, mirroring the Anthropic fake: with `tools` and a user question,
 * call the first tool with {"city": <last word>}; `role: "tool"` results must answer the tool_calls
 * of the assistant turn before them (else 400), and the reply quotes them.
 */
function chatToolTurn(body: Record<string, unknown>): ToolTurn | string | null {
  const messages = body.messages as ChatMessage[];
  const results: ChatMessage[] = [];
  let i = messages.length - 1;
  while (i >= 0 && messages[i]!.role === "tool") results.unshift(messages[i--]!);
  if (results.length > 0) {
    const asked = new Set((messages[i]?.tool_calls ?? []).map((c) => c.id));
    for (const r of results)
      if (!asked.has(r.tool_call_id ?? ""))
        return `tool message ${r.tool_call_id} answers no tool_call of the previous assistant turn`;
    return { kind: "answer", text: `Tools said: ${results.map((r) => String(r.content)).join(", ")}` };
  }
  const tools = body.tools as
    | { type: string; function?: { name: string; parameters?: unknown } }[]
    | undefined;
  if (!tools?.length) return null;
  if (tools.some((t) => t.type !== "function" || typeof t.function?.name !== "string"))
    return "tools[] must be function tools";
  const last = messages.at(-1);
  const text =
    typeof last?.content === "string"
      ? last.content
      : Array.isArray(last?.content)
        ? (last.content as { text?: string }[]).map((p) => p.text ?? "").join(" ")
        : "";
  const city = text.replace(/[?!.]/g, "").split(" ").at(-1) ?? "";
  return { kind: "call", tool: tools[0]!.function!.name, input: { city } };
}

function chatToolAnswer(
  turn: ToolTurn,
  stream: boolean,
  model: string,
  promptTokens: number,
  delay: number,
): Response {
  const created = Math.floor(Date.now() / 1000);
  const usage = { prompt_tokens: promptTokens, completion_tokens: 5, total_tokens: promptTokens + 5 };
  const finish = turn.kind === "call" ? "tool_calls" : "stop";
  const call =
    turn.kind === "call"
      ? { id: "call_fake1", name: turn.tool, arguments: JSON.stringify(turn.input) }
      : null;
  if (!stream) {
    const message = call
      ? {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: call.id, type: "function", function: { name: call.name, arguments: call.arguments } },
          ],
        }
      : { role: "assistant", content: turn.kind === "answer" ? turn.text : "" };
    return Response.json({
      id: "chatcmpl-fake-tools",
      object: "chat.completion",
      created,
      model,
      choices: [{ index: 0, message, finish_reason: finish }],
      usage,
    });
  }
  const event = (delta: Record<string, unknown>, finishReason: string | null, extra = {}) =>
    `data: ${JSON.stringify({ id: "chatcmpl-fake-tools", object: "chat.completion.chunk", created, model, choices: [{ index: 0, delta, finish_reason: finishReason }], ...extra })}\n\n`;
  const parts: (() => string)[] = [() => event({ role: "assistant", content: null }, null)];
  if (call) {
    parts.push(() =>
      event(
        {
          tool_calls: [
            { index: 0, id: call.id, type: "function", function: { name: call.name, arguments: "" } },
          ],
        },
        null,
      ),
    );
    for (const piece of [call.arguments.slice(0, 5), call.arguments.slice(5)])
      parts.push(() => event({ tool_calls: [{ index: 0, function: { arguments: piece } }] }, null));
  } else if (turn.kind === "answer") parts.push(() => event({ content: turn.text }, null));
  parts.push(() => event({}, finish));
  parts.push(
    () =>
      `data: ${JSON.stringify({ id: "chatcmpl-fake-tools", object: "chat.completion.chunk", created, model, choices: [], usage })}\n\n`,
  );
  parts.push(() => "data: [DONE]\n\n");
  return new Response(streamOf(parts, delay), { headers: { "content-type": "text/event-stream" } });
}

/**
 * OpenAI's own /v1/responses, text only: the answer is the tokens, or "Earlier: <text of the
 * previous answer>" when `previous_response_id` names one this server gave (an unknown id is a
 * 400, as OpenAI answers); plain or streamed with the lifecycle events.
 */
function responsesAnswer(
  body: Record<string, unknown>,
  tokens: string[],
  delay: number,
  kept: Map<string, string>,
): Response {
  const previous = body.previous_response_id as string | undefined;
  if (previous && !kept.has(previous))
    return Response.json(
      {
        error: {
          message: `Previous response with id '${previous}' not found.`,
          type: "invalid_request_error",
        },
      },
      { status: 400 },
    );
  const pieces = previous ? ["Earlier: ", kept.get(previous)!] : tokens;
  const text = pieces.join("");
  const id = `resp_fake${kept.size}`;
  kept.set(id, text);
  const inputTokens = words(body.input) + words(body.instructions);
  const usage = {
    input_tokens: inputTokens,
    output_tokens: pieces.length,
    total_tokens: inputTokens + pieces.length,
  };
  const item = (status: string, content: unknown[]) => ({
    id: `msg_fake${kept.size}`,
    type: "message",
    status,
    role: "assistant",
    content,
  });
  const part = { type: "output_text", text, annotations: [] };
  const response = (status: string, output: unknown[], withUsage: boolean) => ({
    id,
    object: "response",
    created_at: Math.floor(Date.now() / 1000),
    status,
    model: String(body.model),
    output,
    previous_response_id: previous ?? null,
    usage: withUsage ? usage : null,
  });
  if (!body.stream) return Response.json(response("completed", [item("completed", [part])], true));
  let sequence = 0;
  const sse = (type: string, data: Record<string, unknown>) =>
    `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`;
  const at = { item_id: `msg_fake${kept.size}`, output_index: 0, content_index: 0 };
  const parts: (() => string)[] = [
    () => sse("response.created", { response: response("in_progress", [], false) }),
    () => sse("response.output_item.added", { output_index: 0, item: item("in_progress", []) }),
    () => sse("response.content_part.added", { ...at, part: { ...part, text: "" } }),
    ...pieces.map((delta) => () => sse("response.output_text.delta", { ...at, delta })),
    () => sse("response.output_text.done", { ...at, text }),
    () => sse("response.content_part.done", { ...at, part }),
    () => sse("response.output_item.done", { output_index: 0, item: item("completed", [part]) }),
    () => sse("response.completed", { response: response("completed", [item("completed", [part])], true) }),
  ];
  return new Response(streamOf(parts, delay), { headers: { "content-type": "text/event-stream" } });
}
