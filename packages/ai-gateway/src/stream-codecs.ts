import { AnthropicStreamTranslator } from "./anthropic.ts";
import { type ChatChunkEncoder, chatChunkSchema } from "./chat-chunks.ts";
import { tokenCount } from "./provider-usage.ts";
import { type SseEvent, SseParser } from "./sse.ts";

/**
 * What the stream relay does with each provider event: the text to send downstream (often
 * nothing), the text to end with, how to report an error in the client's format, and the usage it
 * read on the way.
 */
export interface StreamCodec {
  translate(event: SseEvent): string;
  finish(): string;
  error(code: string, message: string): string;
  readonly promptTokens: number;
  readonly completionTokens: number;
}

/** An error as an OpenAI chat stream carries one: a data line with `error`. */
export function chatStreamError(code: string, message: string): string {
  return `data: ${JSON.stringify({ error: { code, message, type: code } })}\n\n`;
}

const usagePattern = /"usage"\s*:\s*\{/;

/** A provider's count when it sent one (made safe by `tokenCount`), else what was read before. */
const counted = (value: unknown, previous: number) => (value == null ? previous : tokenCount(value));

/** OpenAI chat/completions streams pass as they are; pier's own usage chunk is hidden from clients that did not ask. */
export class OpenAiChatCodec implements StreamCodec {
  promptTokens = 0;
  completionTokens = 0;

  constructor(private readonly includeUsage: boolean) {}

  translate(event: SseEvent): string {
    if (event.data !== "[DONE]" && usagePattern.test(event.data)) {
      try {
        const chunk = JSON.parse(event.data) as {
          choices?: unknown[];
          usage?: { prompt_tokens?: unknown; completion_tokens?: unknown };
        };
        this.promptTokens = counted(chunk.usage?.prompt_tokens, this.promptTokens);
        this.completionTokens = counted(chunk.usage?.completion_tokens, this.completionTokens);
        if (!this.includeUsage && (!chunk.choices || chunk.choices.length === 0)) return "";
      } catch {
        // not JSON: forward as is
      }
    }
    return event.raw;
  }

  finish(): string {
    return "";
  }

  error(code: string, message: string): string {
    return chatStreamError(code, message);
  }
}

/** Anthropic events translated to chat chunks (the chat surface on an Anthropic provider). */
export class AnthropicChatCodec extends AnthropicStreamTranslator implements StreamCodec {
  error(code: string, message: string): string {
    return chatStreamError(code, message);
  }
}

/**
 * A provider speaking the client's own API (Responses on OpenAI, Messages on Anthropic): events
 * pass untouched; usage is read from `response.completed` or from message_start/message_delta.
 */
export class NativeCodec implements StreamCodec {
  promptTokens = 0;
  completionTokens = 0;

  constructor(private readonly api: "responses" | "messages") {}

  translate(event: SseEvent): string {
    if (usagePattern.test(event.data)) {
      try {
        type Usage = { input_tokens?: unknown; output_tokens?: unknown };
        const data = JSON.parse(event.data) as {
          response?: { usage?: Usage };
          message?: { usage?: Usage };
          usage?: Usage;
        };
        const usage = this.api === "responses" ? data.response?.usage : (data.message?.usage ?? data.usage);
        this.promptTokens = counted(usage?.input_tokens, this.promptTokens);
        this.completionTokens = counted(usage?.output_tokens, this.completionTokens);
      } catch {
        // not JSON: forward as is
      }
    }
    return event.raw;
  }

  finish(): string {
    return "";
  }

  error(code: string, message: string): string {
    return this.api === "responses"
      ? `event: error\ndata: ${JSON.stringify({ type: "error", code, message, param: null })}\n\n`
      : `event: error\ndata: ${JSON.stringify({ type: "error", error: { type: "api_error", message } })}\n\n`;
  }
}

/**
 * A chat stream (from `inner`, an OpenAI or translated Anthropic stream with its usage chunk)
 * re-written by an encoder as the client's API. The relay caches what this codec writes, so a
 * cache hit replays the client's format.
 */
export class EncodedChatCodec implements StreamCodec {
  private readonly parser = new SseParser();

  constructor(
    private readonly inner: StreamCodec,
    private readonly encoder: ChatChunkEncoder,
  ) {}

  get promptTokens(): number {
    return this.inner.promptTokens;
  }

  get completionTokens(): number {
    return this.inner.completionTokens;
  }

  translate(event: SseEvent): string {
    return this.encode(this.inner.translate(event));
  }

  finish(): string {
    return this.encode(this.inner.finish()) + this.encoder.end();
  }

  error(code: string, message: string): string {
    return this.encoder.error(code, message);
  }

  private encode(chat: string): string {
    if (!chat) return "";
    let out = "";
    for (const event of this.parser.push(chat)) {
      if (event.data === "[DONE]") {
        out += this.encoder.end();
        continue;
      }
      let raw: unknown;
      try {
        raw = JSON.parse(event.data);
      } catch {
        continue;
      }
      const chunk = chatChunkSchema.safeParse(raw);
      if (!chunk.success) continue;
      if (chunk.data.error != null) {
        const error = chunk.data.error as { code?: unknown; message?: unknown };
        out += this.encoder.error(
          typeof error.code === "string" ? error.code : "upstream_error",
          typeof error.message === "string" ? error.message : "The provider's stream failed.",
        );
      } else out += this.encoder.chunk(chunk.data);
    }
    return out;
  }
}
