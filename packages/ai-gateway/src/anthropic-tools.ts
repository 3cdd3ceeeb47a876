import { PierError } from "@pier/core";
import { z } from "zod";

// Tool (function) calling between OpenAI chat completions and Anthropic's Messages API: the tool
// list and choice, assistant turns that called tools, tool results, and the calls in answers.

/** A 400: the request's tool fields are malformed, so no provider could be asked. */
export class ToolTranslationError extends PierError {
  constructor(detail: string) {
    super("invalid_request", `Cannot translate tools for an Anthropic provider: ${detail}.`, 400);
    this.name = "ToolTranslationError";
  }
}

const openAiToolSchema = z.looseObject({
  type: z.literal("function"),
  function: z.looseObject({
    name: z.string().min(1).max(128),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
  }),
});

const toolChoiceSchema = z.union([
  z.enum(["auto", "none", "required"]),
  z.looseObject({ type: z.literal("function"), function: z.looseObject({ name: z.string().min(1) }) }),
]);

const toolCallSchema = z.looseObject({
  id: z.string().min(1),
  type: z.literal("function").default("function"),
  function: z.looseObject({ name: z.string().min(1), arguments: z.string().default("{}") }),
});

export type AnthropicToolBlock =
  | { type: "tool_use"; id: string; name: string; input: unknown }
  | { type: "tool_result"; tool_use_id: string; content: string };

/** `tools`, `tool_choice` and `parallel_tool_calls` of an OpenAI request as Anthropic fields. */
export function toAnthropicTools(request: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (request.tools != null) {
    const tools = z.array(openAiToolSchema).safeParse(request.tools);
    if (!tools.success)
      throw new ToolTranslationError('tools must be [{type: "function", function: {name, parameters}}]');
    out.tools = tools.data.map((t) => ({
      name: t.function.name,
      ...(t.function.description ? { description: t.function.description } : {}),
      input_schema: t.function.parameters ?? { type: "object", properties: {} },
    }));
  }
  let choice: Record<string, unknown> | undefined;
  if (request.tool_choice != null) {
    const parsed = toolChoiceSchema.safeParse(request.tool_choice);
    if (!parsed.success)
      throw new ToolTranslationError("tool_choice must be auto, none, required or a function");
    const c = parsed.data;
    choice =
      c === "auto"
        ? { type: "auto" }
        : c === "none"
          ? { type: "none" }
          : c === "required"
            ? { type: "any" }
            : { type: "tool", name: c.function.name };
  }
  if (request.parallel_tool_calls === false && out.tools)
    choice = { type: "auto", ...choice, disable_parallel_tool_use: true };
  if (choice) out.tool_choice = choice;
  return out;
}

/** The `tool_use` blocks of an assistant turn that called tools (arguments are JSON text in OpenAI). */
export function toolUseBlocks(toolCalls: unknown): AnthropicToolBlock[] {
  if (toolCalls == null) return [];
  const calls = z.array(toolCallSchema).safeParse(toolCalls);
  if (!calls.success)
    throw new ToolTranslationError("tool_calls must be [{id, function: {name, arguments}}]");
  return calls.data.map((call) => {
    let input: unknown;
    try {
      input = JSON.parse(call.function.arguments || "{}");
    } catch {
      throw new ToolTranslationError(`the arguments of tool call ${call.id} are not JSON`);
    }
    return { type: "tool_use", id: call.id, name: call.function.name, input };
  });
}

/** A `role: "tool"` message as the `tool_result` block of a user turn. */
export function toolResultBlock(message: { tool_call_id?: unknown; content: unknown }): AnthropicToolBlock {
  if (typeof message.tool_call_id !== "string" || message.tool_call_id === "")
    throw new ToolTranslationError("a tool message needs tool_call_id");
  const content = message.content;
  const text =
    typeof content === "string"
      ? content
      : Array.isArray(content)
        ? content.flatMap((p) => (typeof p?.text === "string" ? [p.text] : [])).join("")
        : JSON.stringify(content ?? "");
  return { type: "tool_result", tool_use_id: message.tool_call_id, content: text };
}

/** OpenAI `tool_calls` from the `tool_use` blocks of an Anthropic answer. */
export function openAiToolCalls(content: { type: string; id?: unknown; name?: unknown; input?: unknown }[]) {
  return content
    .filter((c) => c.type === "tool_use" && typeof c.id === "string" && typeof c.name === "string")
    .map((c) => ({
      id: c.id as string,
      type: "function" as const,
      function: { name: c.name as string, arguments: JSON.stringify(c.input ?? {}) },
    }));
}
