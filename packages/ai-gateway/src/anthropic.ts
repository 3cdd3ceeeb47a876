import { z } from "zod";
import {
  type AnthropicToolBlock,
  openAiToolCalls,
  toAnthropicTools,
  toolResultBlock,
  toolUseBlocks,
} from "./anthropic-tools.ts";
import { optionalTokenCountSchema, tokenCountSchema } from "./provider-usage.ts";
import type { ChatRequest } from "./schemas.ts";
import type { SseEvent } from "./sse.ts";
import { sseData } from "./sse.ts";

// Translation between OpenAI chat completions and Anthropic's Messages API, both directions,
// streaming included: text, data-URL images and tool calls (anthropic-tools.ts).

const defaultMaxTokens = 4096;

type AnthropicContent =
  | { type: "text"; text: string }
  | { type: "image"; source: { type: "base64"; media_type: string; data: string } }
  | AnthropicToolBlock;

export function toAnthropicRequest(request: ChatRequest, model: string): Record<string, unknown> {
  const system: string[] = [];
  const messages: { role: "user" | "assistant"; content: AnthropicContent[] }[] = [];
  for (const message of request.messages) {
    // A tool's answer is a tool_result block of a user turn; an assistant turn that called tools
    // carries tool_use blocks after its text.
    const content =
      message.role === "tool"
        ? [toolResultBlock(message)]
        : [...toAnthropicContent(message.content), ...toolUseBlocks(message.tool_calls)];
    if (message.role === "system" || message.role === "developer") {
      system.push(content.flatMap((c) => (c.type === "text" ? [c.text] : [])).join("\n"));
      continue;
    }
    const role = message.role === "assistant" ? "assistant" : "user";
    const last = messages.at(-1);
    // Anthropic rejects two turns of the same role in a row; OpenAI allows them.
    if (last && last.role === role) last.content.push(...content);
    else messages.push({ role, content });
  }
  const body: Record<string, unknown> = {
    model,
    messages,
    max_tokens: request.max_tokens ?? request.max_completion_tokens ?? defaultMaxTokens,
  };
  if (system.length) body.system = system.join("\n\n");
  if (request.temperature != null) body.temperature = Math.min(1, request.temperature);
  if (request.top_p != null) body.top_p = request.top_p;
  if (request.stop != null) body.stop_sequences = Array.isArray(request.stop) ? request.stop : [request.stop];
  if (request.stream) body.stream = true;
  Object.assign(body, toAnthropicTools(request));
  return body;
}

function toAnthropicContent(content: unknown): AnthropicContent[] {
  if (typeof content === "string") return [{ type: "text", text: content }];
  // null is what an assistant turn that only called tools has: no text block (Anthropic refuses empty ones).
  if (content == null) return [];
  if (!Array.isArray(content)) return [{ type: "text", text: JSON.stringify(content) }];
  return content.flatMap((part): AnthropicContent[] => {
    if (part?.type === "text" && typeof part.text === "string") return [{ type: "text", text: part.text }];
    const url: unknown = part?.image_url?.url;
    const data = typeof url === "string" ? /^data:([^;]+);base64,(.*)$/s.exec(url) : null;
    if (data) return [{ type: "image", source: { type: "base64", media_type: data[1]!, data: data[2]! } }];
    return [];
  });
}

const anthropicResponseSchema = z.looseObject({
  id: z.string().default("msg"),
  content: z
    .array(
      z.looseObject({
        type: z.string(),
        text: z.string().optional(),
        id: z.string().optional(),
        name: z.string().optional(),
        input: z.unknown().optional(),
      }),
    )
    .default([]),
  stop_reason: z.string().nullish(),
  usage: z
    .looseObject({ input_tokens: tokenCountSchema, output_tokens: tokenCountSchema })
    .default({ input_tokens: 0, output_tokens: 0 }),
});

export function finishReason(stopReason: string | null | undefined): string | null {
  if (stopReason == null) return null;
  if (stopReason === "max_tokens") return "length";
  if (stopReason === "tool_use") return "tool_calls";
  return "stop";
}

/** An Anthropic message as a chat completion; undefined when `raw` is not a message. */
export function fromAnthropicResponse(raw: unknown, model: string, nowSeconds: number) {
  const parsed = anthropicResponseSchema.safeParse(raw);
  if (!parsed.success) return undefined;
  const message = parsed.data;
  const text = message.content.flatMap((c) => (c.type === "text" && c.text ? [c.text] : [])).join("");
  const toolCalls = openAiToolCalls(message.content);
  return {
    id: `chatcmpl-${message.id}`,
    object: "chat.completion",
    created: nowSeconds,
    model,
    choices: [
      {
        index: 0,
        message: toolCalls.length
          ? { role: "assistant", content: text || null, tool_calls: toolCalls }
          : { role: "assistant", content: text },
        logprobs: null,
        finish_reason: finishReason(message.stop_reason),
      },
    ],
    usage: {
      prompt_tokens: message.usage.input_tokens,
      completion_tokens: message.usage.output_tokens,
      total_tokens: message.usage.input_tokens + message.usage.output_tokens,
    },
  };
}

const streamEventSchema = z.looseObject({
  type: z.string(),
  index: z.number().optional(),
  content_block: z
    .looseObject({ type: z.string(), id: z.string().optional(), name: z.string().optional() })
    .optional(),
  message: z
    .looseObject({
      id: z.string().optional(),
      usage: z.looseObject({ input_tokens: optionalTokenCountSchema }).optional(),
    })
    .optional(),
  delta: z
    .looseObject({
      type: z.string().optional(),
      text: z.string().optional(),
      partial_json: z.string().optional(),
      stop_reason: z.string().nullish(),
    })
    .optional(),
  usage: z
    .looseObject({ output_tokens: optionalTokenCountSchema, input_tokens: optionalTokenCountSchema })
    .optional(),
  error: z.looseObject({ message: z.string().optional() }).optional(),
});

/** Turns Anthropic stream events into OpenAI `chat.completion.chunk` SSE, one event at a time. */
export class AnthropicStreamTranslator {
  promptTokens = 0;
  completionTokens = 0;
  private id = "chatcmpl-anthropic";
  private done = false;
  /** Anthropic content block index -> OpenAI tool call index, for the blocks that are tool calls. */
  private readonly toolIndex = new Map<number, number>();

  constructor(
    private readonly model: string,
    private readonly includeUsage: boolean,
    private readonly nowSeconds: number,
  ) {}

  /** SSE text to send downstream for one upstream event (often empty: pings, block boundaries). */
  translate(event: SseEvent): string {
    let parsed: z.infer<typeof streamEventSchema>;
    try {
      parsed = streamEventSchema.parse(JSON.parse(event.data));
    } catch {
      return "";
    }
    switch (parsed.type) {
      case "message_start":
        if (parsed.message?.id) this.id = `chatcmpl-${parsed.message.id}`;
        this.promptTokens = parsed.message?.usage?.input_tokens ?? 0;
        return this.chunk({ role: "assistant", content: "" }, null);
      case "content_block_start": {
        const block = parsed.content_block;
        if (block?.type !== "tool_use" || parsed.index == null) return "";
        const index = this.toolIndex.size;
        this.toolIndex.set(parsed.index, index);
        return this.chunk(
          {
            tool_calls: [
              { index, id: block.id, type: "function", function: { name: block.name, arguments: "" } },
            ],
          },
          null,
        );
      }
      case "content_block_delta": {
        if (parsed.delta?.type === "text_delta" && parsed.delta.text)
          return this.chunk({ content: parsed.delta.text }, null);
        const index = parsed.index == null ? undefined : this.toolIndex.get(parsed.index);
        if (parsed.delta?.type === "input_json_delta" && index !== undefined && parsed.delta.partial_json)
          return this.chunk(
            { tool_calls: [{ index, function: { arguments: parsed.delta.partial_json } }] },
            null,
          );
        return "";
      }
      case "message_delta":
        if (parsed.usage?.output_tokens != null) this.completionTokens = parsed.usage.output_tokens;
        if (parsed.usage?.input_tokens != null) this.promptTokens = parsed.usage.input_tokens;
        return this.chunk({}, finishReason(parsed.delta?.stop_reason) ?? "stop");
      case "message_stop":
        return this.finish();
      case "error":
        this.done = true;
        return sseData(
          JSON.stringify({
            error: { message: parsed.error?.message ?? "upstream error", type: "upstream_error" },
          }),
        );
      default:
        return "";
    }
  }

  /** Ends the stream once, with the usage chunk when the client asked for it. */
  finish(): string {
    if (this.done) return "";
    this.done = true;
    let out = "";
    if (this.includeUsage) {
      out += sseData(
        JSON.stringify({
          ...this.base(),
          choices: [],
          usage: {
            prompt_tokens: this.promptTokens,
            completion_tokens: this.completionTokens,
            total_tokens: this.promptTokens + this.completionTokens,
          },
        }),
      );
    }
    return `${out}data: [DONE]\n\n`;
  }

  private base() {
    return { id: this.id, object: "chat.completion.chunk", created: this.nowSeconds, model: this.model };
  }

  private chunk(delta: Record<string, unknown>, finish: string | null): string {
    return sseData(
      JSON.stringify({
        ...this.base(),
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      }),
    );
  }
}
