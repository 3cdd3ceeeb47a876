import { ValidationError } from "@pier/core";
import { z } from "zod";
import { answerOf, type ChatCompletion, type ToolCall } from "./chat-chunks.ts";
import { type ChatRequest, modelSchema } from "./schemas.ts";

// OpenAI's Responses API (`POST /v1/responses`) on top of chat completions, for providers that have
// no /responses: the request as a chat request, the chat answer as a response object. Streams are
// in responses-stream.ts.

const contentPartSchema = z.looseObject({
  type: z.string(),
  text: z.string().optional(),
  image_url: z.string().nullish(),
});

const messageItemSchema = z.looseObject({
  type: z.literal("message").optional(),
  role: z.enum(["user", "assistant", "system", "developer"]),
  content: z.union([z.string(), z.array(contentPartSchema)]),
});
const functionCallSchema = z.looseObject({
  type: z.literal("function_call"),
  call_id: z.string().min(1),
  name: z.string().min(1),
  arguments: z.string().default("{}"),
});
const functionOutputSchema = z.looseObject({
  type: z.literal("function_call_output"),
  call_id: z.string().min(1),
  output: z.union([z.string(), z.array(contentPartSchema)]),
});
const inputItemSchema = z.looseObject({ type: z.string().optional(), role: z.string().optional() });

export const responsesRequestSchema = z
  .looseObject({
    model: modelSchema,
    input: z.union([z.string(), z.array(inputItemSchema)]).optional(),
    instructions: z.string().nullish(),
    stream: z.boolean().optional(),
    previous_response_id: z.string().min(1).nullish(),
    store: z.boolean().nullish(),
    tools: z.array(z.looseObject({ type: z.string() })).nullish(),
    tool_choice: z.unknown().optional(),
    parallel_tool_calls: z.boolean().nullish(),
    max_output_tokens: z.number().int().positive().nullish(),
    temperature: z.number().nullish(),
    top_p: z.number().nullish(),
    text: z
      .looseObject({
        format: z
          .looseObject({
            type: z.string(),
            name: z.string().optional(),
            schema: z.unknown().optional(),
            strict: z.boolean().nullish(),
          })
          .optional(),
      })
      .nullish(),
    reasoning: z.looseObject({ effort: z.string().nullish() }).nullish(),
    metadata: z.record(z.string(), z.string()).nullish(),
    user: z.string().optional(),
    // A background response is fetched later with GET /responses/{id}, which pier does not relay:
    // refused here rather than answered with an id the client could never poll.
    background: z
      .boolean()
      .nullish()
      .refine((value) => value !== true, {
        message:
          "pier does not relay background responses (they are polled with GET /responses/{id}, which pier does not serve); send the request without background, streaming it if it is long",
      }),
  })
  // OpenAI lets a reusable `prompt` (or a stored `conversation`) stand for the input; without one
  // there is nothing to answer. `messages` is what chat clients send by mistake.
  .superRefine((request, ctx) => {
    if (request.input !== undefined || request.prompt != null || request.conversation != null) return;
    ctx.addIssue({
      code: "custom",
      path: ["input"],
      message:
        request.messages === undefined
          ? "required: a string or an array of input items"
          : "required: the Responses API takes the conversation as `input` (a string or an array of input items), not `messages`",
    });
  });
export type ResponsesRequest = z.infer<typeof responsesRequestSchema>;

/** A chat message as the translation writes it (and the conversation store keeps it). */
export type ChatMessage = Record<string, unknown> & { role: string };

function invalid(detail: string): ValidationError {
  return new ValidationError(`Cannot translate this Responses request to chat completions: ${detail}.`);
}

function partsText(parts: string | z.infer<typeof contentPartSchema>[]): string {
  if (typeof parts === "string") return parts;
  return parts.flatMap((p) => (typeof p.text === "string" ? [p.text] : [])).join("");
}

function userContent(parts: string | z.infer<typeof contentPartSchema>[]): unknown {
  if (typeof parts === "string") return parts;
  return parts.map((part) => {
    if (
      (part.type === "input_text" || part.type === "output_text" || part.type === "text") &&
      part.text != null
    )
      return { type: "text", text: part.text };
    if (part.type === "input_image" && part.image_url)
      return { type: "image_url", image_url: { url: part.image_url } };
    throw invalid(`content part "${part.type}" is not supported (text and image URLs are)`);
  });
}

/** The input items as chat messages: consecutive function calls join one assistant turn. */
export function inputToMessages(input: ResponsesRequest["input"]): ChatMessage[] {
  if (input == null) return [];
  if (typeof input === "string") return [{ role: "user", content: input }];
  const messages: ChatMessage[] = [];
  input.forEach((raw, i) => {
    const type = raw.type ?? "message";
    if (type === "message") {
      const item = messageItemSchema.safeParse(raw);
      if (!item.success) throw invalid(`input[${i}] must be {role, content}`);
      const { role, content } = item.data;
      messages.push(
        role === "assistant"
          ? { role, content: partsText(content) }
          : { role, content: userContent(content) },
      );
    } else if (type === "function_call") {
      const item = functionCallSchema.safeParse(raw);
      if (!item.success)
        throw invalid(`input[${i}] must be {type: "function_call", call_id, name, arguments}`);
      const call = {
        id: item.data.call_id,
        type: "function",
        function: { name: item.data.name, arguments: item.data.arguments },
      };
      const last = messages.at(-1);
      if (last?.role === "assistant" && Array.isArray(last.tool_calls))
        (last.tool_calls as unknown[]).push(call);
      else if (last?.role === "assistant" && !last.tool_calls) last.tool_calls = [call];
      else messages.push({ role: "assistant", content: null, tool_calls: [call] });
    } else if (type === "function_call_output") {
      const item = functionOutputSchema.safeParse(raw);
      if (!item.success) throw invalid(`input[${i}] must be {type: "function_call_output", call_id, output}`);
      messages.push({ role: "tool", tool_call_id: item.data.call_id, content: partsText(item.data.output) });
    } else if (type !== "reasoning") {
      // Reasoning items are the provider's own; every other item needs a tool pier cannot run.
      throw invalid(`input item type "${type}" is not supported`);
    }
  });
  return messages;
}

function chatTools(request: ResponsesRequest): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (request.tools?.length) {
    out.tools = request.tools.map((tool, i) => {
      const fn = z
        .looseObject({
          type: z.literal("function"),
          name: z.string().min(1),
          description: z.string().nullish(),
          parameters: z.record(z.string(), z.unknown()).nullish(),
          strict: z.boolean().nullish(),
        })
        .safeParse(tool);
      if (!fn.success)
        throw invalid(`tools[${i}] of type "${tool.type}": only function tools can be translated`);
      const { name, description, parameters, strict } = fn.data;
      return {
        type: "function",
        function: {
          name,
          ...(description ? { description } : {}),
          parameters: parameters ?? { type: "object", properties: {} },
          ...(strict != null ? { strict } : {}),
        },
      };
    });
  }
  const choice = request.tool_choice;
  if (choice === "auto" || choice === "none" || choice === "required") out.tool_choice = choice;
  else if (choice != null) {
    const fn = z.looseObject({ type: z.literal("function"), name: z.string().min(1) }).safeParse(choice);
    if (!fn.success) throw invalid('tool_choice must be auto, none, required or {type: "function", name}');
    out.tool_choice = { type: "function", function: { name: fn.data.name } };
  }
  if (request.parallel_tool_calls != null && out.tools) out.parallel_tool_calls = request.parallel_tool_calls;
  return out;
}

/**
 * The request as chat completions. `history` is the conversation of `previous_response_id` (kept by
 * pier for translated answers); `instructions` are not carried over from it, as OpenAI does.
 */
export function responsesToChat(request: ResponsesRequest, history: ChatMessage[] = []): ChatRequest {
  const messages: ChatMessage[] = [];
  if (request.instructions) messages.push({ role: "system", content: request.instructions });
  messages.push(...history, ...inputToMessages(request.input));
  if (messages.length === 0) throw invalid("input is empty");
  const chat: Record<string, unknown> = { model: request.model, messages, ...chatTools(request) };
  if (request.stream) chat.stream = true;
  if (request.max_output_tokens != null) chat.max_tokens = request.max_output_tokens;
  if (request.temperature != null) chat.temperature = request.temperature;
  if (request.top_p != null) chat.top_p = request.top_p;
  if (request.user) chat.user = request.user;
  // Chat completions name it reasoning_effort (OpenAI's reasoning models and many compatible servers).
  if (request.reasoning?.effort) chat.reasoning_effort = request.reasoning.effort;
  const format = request.text?.format;
  if (format?.type === "json_schema")
    chat.response_format = {
      type: "json_schema",
      json_schema: {
        name: format.name ?? "response",
        schema: format.schema ?? {},
        strict: format.strict ?? false,
      },
    };
  else if (format?.type === "json_object") chat.response_format = { type: "json_object" };
  return chat as ChatRequest;
}

// ---- answers ----

export type OutputItem =
  | {
      type: "message";
      id: string;
      status: "completed" | "in_progress";
      role: "assistant";
      content: { type: "output_text"; text: string; annotations: never[]; logprobs: never[] }[];
    }
  | {
      type: "function_call";
      id: string;
      call_id: string;
      name: string;
      arguments: string;
      status: "completed" | "in_progress";
    };

function suffix(): string {
  return crypto.randomUUID().replaceAll("-", "");
}
export const newResponseId = () => `resp_${suffix()}`;
export const newItemId = (prefix: "msg" | "fc") => `${prefix}_${suffix()}`;

export function messageItem(id: string, text: string, status: "completed" | "in_progress" = "completed") {
  return {
    type: "message" as const,
    id,
    status,
    role: "assistant" as const,
    content:
      status === "completed" ? [{ type: "output_text" as const, text, annotations: [], logprobs: [] }] : [],
  };
}

export function functionCallItem(
  id: string,
  call: ToolCall,
  status: "completed" | "in_progress" = "completed",
) {
  return {
    type: "function_call" as const,
    id,
    call_id: call.id,
    name: call.name,
    arguments: call.arguments,
    status,
  };
}

export interface ResponseShell {
  id: string;
  model: string;
  createdAt: number;
  request: ResponsesRequest;
}

/** A response object: what `responses.create` returns and what the lifecycle stream events carry. */
export function responseObject(
  shell: ResponseShell,
  state: {
    status: "in_progress" | "completed" | "incomplete";
    output: OutputItem[];
    usage?: { promptTokens: number; completionTokens: number };
  },
) {
  const r = shell.request;
  return {
    id: shell.id,
    object: "response",
    created_at: shell.createdAt,
    status: state.status,
    error: null,
    incomplete_details: state.status === "incomplete" ? { reason: "max_output_tokens" } : null,
    instructions: r.instructions ?? null,
    max_output_tokens: r.max_output_tokens ?? null,
    model: shell.model,
    output: state.output,
    parallel_tool_calls: r.parallel_tool_calls ?? true,
    previous_response_id: r.previous_response_id ?? null,
    store: r.store ?? true,
    temperature: r.temperature ?? null,
    text: r.text ?? { format: { type: "text" } },
    tool_choice: r.tool_choice ?? "auto",
    tools: r.tools ?? [],
    top_p: r.top_p ?? null,
    truncation: "disabled",
    usage: state.usage
      ? {
          input_tokens: state.usage.promptTokens,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: state.usage.completionTokens,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: state.usage.promptTokens + state.usage.completionTokens,
        }
      : null,
    metadata: r.metadata ?? {},
  };
}

/** A chat completion answer as a response object. */
export function chatToResponse(completion: ChatCompletion, shell: ResponseShell) {
  const answer = answerOf(completion);
  const output: OutputItem[] = [];
  if (answer.text) output.push(messageItem(newItemId("msg"), answer.text));
  for (const call of answer.toolCalls) output.push(functionCallItem(newItemId("fc"), call));
  return responseObject(shell, {
    status: answer.finishReason === "length" ? "incomplete" : "completed",
    output,
    usage: { promptTokens: answer.promptTokens, completionTokens: answer.completionTokens },
  });
}

/** The assistant turn of an answer, for the conversation a later `previous_response_id` continues. */
export function outputToMessages(output: OutputItem[]): ChatMessage[] {
  const text = output
    .flatMap((item) => (item.type === "message" ? item.content.map((c) => c.text) : []))
    .join("");
  const calls = output.flatMap((item) =>
    item.type === "function_call"
      ? [{ id: item.call_id, type: "function", function: { name: item.name, arguments: item.arguments } }]
      : [],
  );
  return [
    calls.length
      ? { role: "assistant", content: text || null, tool_calls: calls }
      : { role: "assistant", content: text },
  ];
}
