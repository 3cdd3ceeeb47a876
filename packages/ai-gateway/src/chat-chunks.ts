import { z } from "zod";
import { tokenCountSchema } from "./provider-usage.ts";

// What the Responses and Messages encoders read from OpenAI chat completions: an answer, a stream
// chunk, the usage. Loose on purpose: providers add fields, and a field pier does not read is kept.

const toolCallDeltaSchema = z.looseObject({
  index: z.number().int().nonnegative().default(0),
  id: z.string().nullish(),
  function: z.looseObject({ name: z.string().nullish(), arguments: z.string().nullish() }).nullish(),
});

export const chatChunkSchema = z.looseObject({
  id: z.string().optional(),
  choices: z
    .array(
      z.looseObject({
        delta: z
          .looseObject({
            content: z.string().nullish(),
            refusal: z.string().nullish(),
            tool_calls: z.array(toolCallDeltaSchema).nullish(),
          })
          .default({}),
        finish_reason: z.string().nullish(),
      }),
    )
    .default([]),
  usage: z.looseObject({ prompt_tokens: tokenCountSchema, completion_tokens: tokenCountSchema }).nullish(),
  error: z.unknown().optional(),
});
export type ChatChunk = z.infer<typeof chatChunkSchema>;

export const chatCompletionSchema = z.looseObject({
  id: z.string().default("chatcmpl"),
  choices: z
    .array(
      z.looseObject({
        message: z
          .looseObject({
            content: z.string().nullish(),
            refusal: z.string().nullish(),
            tool_calls: z
              .array(
                z.looseObject({
                  id: z.string(),
                  function: z.looseObject({ name: z.string(), arguments: z.string().default("{}") }),
                }),
              )
              .nullish(),
          })
          .default({}),
        finish_reason: z.string().nullish(),
      }),
    )
    .default([]),
  usage: z.looseObject({ prompt_tokens: tokenCountSchema, completion_tokens: tokenCountSchema }).nullish(),
});
export type ChatCompletion = z.infer<typeof chatCompletionSchema>;

/** The calls of an answer: what both surfaces turn into function_call items or tool_use blocks. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** Text and tool calls of a chat completion answer, with its finish reason and usage. */
export function answerOf(completion: ChatCompletion): {
  text: string;
  toolCalls: ToolCall[];
  finishReason: string | null;
  promptTokens: number;
  completionTokens: number;
} {
  const choice = completion.choices[0];
  return {
    text: choice?.message.content ?? choice?.message.refusal ?? "",
    toolCalls: (choice?.message.tool_calls ?? []).map((c) => ({
      id: c.id,
      name: c.function.name,
      arguments: c.function.arguments,
    })),
    finishReason: choice?.finish_reason ?? null,
    promptTokens: completion.usage?.prompt_tokens ?? 0,
    completionTokens: completion.usage?.completion_tokens ?? 0,
  };
}

/** One SSE event the way OpenAI's Responses API and Anthropic write them: named, with its type in the data too. */
export function sseEvent(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

/** Writes a chat completions stream, chunk by chunk, as another API's stream events. */
export interface ChatChunkEncoder {
  /** Downstream events for one chunk. */
  chunk(chunk: ChatChunk): string;
  /** Closing events, once: at `[DONE]` or when the upstream ends without it. */
  end(): string;
  /** An error event in the surface's own format, ending the stream. */
  error(code: string, message: string): string;
}
