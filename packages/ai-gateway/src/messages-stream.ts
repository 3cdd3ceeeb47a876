import { type ChatChunk, type ChatChunkEncoder, sseEvent } from "./chat-chunks.ts";
import { newMessageId, stopReason } from "./messages.ts";

/**
 * Writes a chat completions stream as Anthropic's stream events: message_start, per content block
 * content_block_start, its deltas (`text_delta` or `input_json_delta`) and content_block_stop, then
 * message_delta with the stop reason and usage, and message_stop. OpenAI reports the prompt's
 * tokens only at the end, so message_start carries 0 and message_delta the real count (the SDK's
 * MessageStream takes input_tokens from message_delta).
 */
export class MessagesStreamEncoder implements ChatChunkEncoder {
  private started = false;
  private ended = false;
  private blocks = 0;
  private open: { index: number; kind: "text" | "tool_use" } | undefined;
  /** Chat tool call index -> content block index. */
  private readonly calls = new Map<number, number>();
  private finishReason: string | null = null;
  private usage = { promptTokens: 0, completionTokens: 0 };

  constructor(private readonly model: string) {}

  chunk(chunk: ChatChunk): string {
    let out = this.start();
    if (chunk.usage) {
      this.usage = {
        promptTokens: chunk.usage.prompt_tokens,
        completionTokens: chunk.usage.completion_tokens,
      };
    }
    const choice = chunk.choices[0];
    if (!choice) return out;
    const text = choice.delta.content ?? choice.delta.refusal;
    if (text) {
      if (this.open?.kind !== "text") out += this.begin("text", { type: "text", text: "" });
      out += sseEvent("content_block_delta", {
        index: this.open!.index,
        delta: { type: "text_delta", text },
      });
    }
    for (const delta of choice.delta.tool_calls ?? []) {
      let index = this.calls.get(delta.index);
      if (index === undefined) {
        out += this.begin("tool_use", {
          type: "tool_use",
          id: delta.id ?? `toolu_${delta.index}`,
          name: delta.function?.name ?? "",
          input: {},
        });
        index = this.open!.index;
        this.calls.set(delta.index, index);
      }
      const partial = delta.function?.arguments;
      // A provider going back to an earlier call gets its delta on that block's index: the SDK
      // accumulates by index, so the arguments stay whole.
      if (partial)
        out += sseEvent("content_block_delta", {
          index,
          delta: { type: "input_json_delta", partial_json: partial },
        });
    }
    if (choice.finish_reason) this.finishReason = choice.finish_reason;
    return out;
  }

  end(): string {
    if (this.ended) return "";
    let out = this.start() + this.stop();
    this.ended = true;
    out += sseEvent("message_delta", {
      delta: { stop_reason: stopReason(this.finishReason), stop_sequence: null },
      usage: { input_tokens: this.usage.promptTokens, output_tokens: this.usage.completionTokens },
    });
    return out + sseEvent("message_stop", {});
  }

  error(code: string, message: string): string {
    if (this.ended) return "";
    this.ended = true;
    const type = code === "upstream_timeout" ? "timeout_error" : "api_error";
    return sseEvent("error", { error: { type, message } });
  }

  private start(): string {
    if (this.started) return "";
    this.started = true;
    return sseEvent("message_start", {
      message: {
        id: newMessageId(),
        type: "message",
        role: "assistant",
        model: this.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 0, output_tokens: 0 },
      },
    });
  }

  private begin(kind: "text" | "tool_use", block: Record<string, unknown>): string {
    const out = this.stop();
    this.open = { index: this.blocks++, kind };
    return out + sseEvent("content_block_start", { index: this.open.index, content_block: block });
  }

  private stop(): string {
    if (!this.open) return "";
    const index = this.open.index;
    this.open = undefined;
    return sseEvent("content_block_stop", { index });
  }
}
