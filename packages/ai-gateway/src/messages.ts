import { ValidationError } from "@pier/core";
import { z } from "zod";
import { answerOf, type ChatCompletion } from "./chat-chunks.ts";
import { type ChatRequest, modelSchema } from "./schemas.ts";

// Anthropic's Messages API (`POST /v1/messages`) on top of chat completions, for OpenAI-compatible
// providers: the request as a chat request, the chat answer as a message. Anthropic providers get
// the request as it came. Streams are in messages-stream.ts.

const blockSchema = z.looseObject({
  type: z.string(),
  text: z.string().optional(),
  source: z
    .looseObject({
      type: z.string(),
      media_type: z.string().optional(),
      data: z.string().optional(),
      url: z.string().optional(),
    })
    .optional(),
  id: z.string().optional(),
  name: z.string().optional(),
  input: z.unknown().optional(),
  tool_use_id: z.string().optional(),
  content: z.unknown().optional(),
  is_error: z.boolean().optional(),
});
type Block = z.infer<typeof blockSchema>;

export const messagesRequestSchema = z.looseObject({
  model: modelSchema,
  max_tokens: z.number().int().positive(),
  messages: z
    .array(
      z.looseObject({
        role: z.enum(["user", "assistant"]),
        content: z.union([z.string(), z.array(blockSchema)]),
      }),
    )
    .min(1),
  system: z.union([z.string(), z.array(blockSchema)]).optional(),
  stream: z.boolean().optional(),
  temperature: z.number().optional(),
  top_p: z.number().optional(),
  stop_sequences: z.array(z.string()).optional(),
  tools: z.array(z.looseObject({ name: z.string().min(1), type: z.string().optional() })).optional(),
  tool_choice: z
    .looseObject({
      type: z.enum(["auto", "any", "tool", "none"]),
      name: z.string().optional(),
      disable_parallel_tool_use: z.boolean().optional(),
    })
    .optional(),
  metadata: z.looseObject({ user_id: z.string().nullish() }).optional(),
});
export type MessagesRequest = z.infer<typeof messagesRequestSchema>;

function invalid(detail: string): ValidationError {
  return new ValidationError(`Cannot translate this Messages request to chat completions: ${detail}.`);
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return content == null ? "" : JSON.stringify(content);
  return content.flatMap((b) => (typeof b?.text === "string" ? [b.text] : [])).join("");
}

function imagePart(block: Block) {
  const source = block.source;
  if (source?.type === "base64" && source.media_type && source.data != null)
    return { type: "image_url", image_url: { url: `data:${source.media_type};base64,${source.data}` } };
  if (source?.type === "url" && source.url) return { type: "image_url", image_url: { url: source.url } };
  throw invalid("an image needs a base64 or url source");
}

/**
 * One Anthropic turn as chat messages. A user turn's tool_result blocks become `role: "tool"`
 * messages, placed first since they answer the assistant turn just before; an assistant turn's
 * tool_use blocks become its `tool_calls`. Thinking blocks stay with the provider that wrote them.
 */
function turnToMessages(role: "user" | "assistant", content: string | Block[]): Record<string, unknown>[] {
  if (typeof content === "string") return [{ role, content }];
  if (role === "assistant") {
    const text = content.flatMap((b) => (b.type === "text" && b.text != null ? [b.text] : [])).join("");
    const calls = content
      .filter((b) => b.type === "tool_use")
      .map((b) => {
        if (!b.id || !b.name) throw invalid("a tool_use block needs id and name");
        return {
          id: b.id,
          type: "function",
          function: { name: b.name, arguments: JSON.stringify(b.input ?? {}) },
        };
      });
    return [calls.length ? { role, content: text || null, tool_calls: calls } : { role, content: text }];
  }
  const tools: Record<string, unknown>[] = [];
  const parts: Record<string, unknown>[] = [];
  for (const block of content) {
    if (block.type === "tool_result") {
      if (!block.tool_use_id) throw invalid("a tool_result block needs tool_use_id");
      const text = textOf(block.content);
      tools.push({
        role: "tool",
        tool_call_id: block.tool_use_id,
        content: block.is_error ? `Error: ${text}` : text,
      });
    } else if (block.type === "text") parts.push({ type: "text", text: block.text ?? "" });
    else if (block.type === "image") parts.push(imagePart(block));
    else if (block.type !== "thinking" && block.type !== "redacted_thinking")
      throw invalid(
        `content block "${block.type}" is not supported (text, image, tool_use and tool_result are)`,
      );
  }
  const user = parts.length
    ? [{ role, content: parts.every((p) => p.type === "text") ? parts.map((p) => p.text).join("\n") : parts }]
    : [];
  return [...tools, ...user];
}

function chatTools(request: MessagesRequest): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (request.tools?.length) {
    out.tools = request.tools.map((tool, i) => {
      const fn = z
        .looseObject({
          name: z.string(),
          description: z.string().optional(),
          input_schema: z.record(z.string(), z.unknown()),
        })
        .safeParse(tool);
      // Anthropic's server tools (web search, bash…) have a type and no input_schema: pier cannot run them.
      if (!fn.success || (tool.type && tool.type !== "custom"))
        throw invalid(`tools[${i}] (${tool.name}): only custom tools with input_schema can be translated`);
      return {
        type: "function",
        function: {
          name: fn.data.name,
          ...(fn.data.description ? { description: fn.data.description } : {}),
          parameters: fn.data.input_schema,
        },
      };
    });
  }
  const choice = request.tool_choice;
  if (choice) {
    if (choice.type === "tool") {
      if (!choice.name) throw invalid('tool_choice {type: "tool"} needs a name');
      out.tool_choice = { type: "function", function: { name: choice.name } };
    } else out.tool_choice = choice.type === "any" ? "required" : choice.type;
    if (choice.disable_parallel_tool_use && out.tools) out.parallel_tool_calls = false;
  }
  return out;
}

export function messagesToChat(request: MessagesRequest): ChatRequest {
  const messages: Record<string, unknown>[] = [];
  const system = request.system == null ? "" : textOf(request.system);
  if (system) messages.push({ role: "system", content: system });
  for (const turn of request.messages) messages.push(...turnToMessages(turn.role, turn.content));
  const chat: Record<string, unknown> = {
    model: request.model,
    messages,
    max_tokens: request.max_tokens,
    ...chatTools(request),
  };
  if (request.stream) chat.stream = true;
  if (request.temperature != null) chat.temperature = request.temperature;
  if (request.top_p != null) chat.top_p = request.top_p;
  if (request.stop_sequences?.length) chat.stop = request.stop_sequences;
  if (request.metadata?.user_id) chat.user = request.metadata.user_id;
  return chat as ChatRequest;
}

/** OpenAI finish reasons as Anthropic stop reasons. */
export function stopReason(finishReason: string | null): string {
  if (finishReason === "length") return "max_tokens";
  if (finishReason === "tool_calls" || finishReason === "function_call") return "tool_use";
  if (finishReason === "content_filter") return "refusal";
  return "end_turn";
}

function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text || "{}");
  } catch {
    // Models sometimes write broken JSON; Anthropic's input must be an object, so keep the text in one.
    return { _raw: text };
  }
}

export const newMessageId = () => `msg_${crypto.randomUUID().replaceAll("-", "")}`;

/** A chat completion answer as an Anthropic message. */
export function chatToMessage(completion: ChatCompletion, model: string) {
  const answer = answerOf(completion);
  const content: Record<string, unknown>[] = [];
  if (answer.text) content.push({ type: "text", text: answer.text });
  for (const call of answer.toolCalls)
    content.push({ type: "tool_use", id: call.id, name: call.name, input: parseArguments(call.arguments) });
  return {
    id: newMessageId(),
    type: "message",
    role: "assistant",
    model,
    content,
    stop_reason: stopReason(answer.finishReason),
    stop_sequence: null,
    usage: { input_tokens: answer.promptTokens, output_tokens: answer.completionTokens },
  };
}
