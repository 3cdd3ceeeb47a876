import { PierError, ValidationError } from "@pier/core";
import { fromAnthropicResponse } from "./anthropic.ts";
import { chatCompletionSchema } from "./chat-chunks.ts";
import { chatToMessage, type MessagesRequest, messagesToChat } from "./messages.ts";
import { MessagesStreamEncoder } from "./messages-stream.ts";
import type { Endpoint, Wire } from "./providers.ts";
import {
  type ChatMessage,
  chatToResponse,
  newResponseId,
  type OutputItem,
  outputToMessages,
  type ResponseShell,
  type ResponsesRequest,
  responsesToChat,
} from "./responses.ts";
import { ResponsesStreamEncoder } from "./responses-stream.ts";
import type { ChatRequest } from "./schemas.ts";
import {
  AnthropicChatCodec,
  EncodedChatCodec,
  NativeCodec,
  OpenAiChatCodec,
  type StreamCodec,
} from "./stream-codecs.ts";

export interface SurfaceOptions {
  endpoint: Endpoint;
  body: Record<string, unknown>;
  /** The model as the client named it, shown in translated answers. */
  model: string;
  /** The conversation `previous_response_id` names, as the gateway loaded it (undefined: unknown). */
  history?: ChatMessage[];
  /** Keeps a finished conversation for a later `previous_response_id` (the gateway's store). */
  keep?: (responseId: string, messages: ChatMessage[]) => void;
  nowSeconds: number;
}

/**
 * The API a client spoke (chat completions, Responses, Messages) against the wire a provider was
 * reached on: the request as chat completions when it has to be translated, and the answer, plain
 * or streamed, written back in the client's API. One per request.
 */
export class Surface {
  private chat: ChatRequest | undefined;
  private readonly shell: ResponseShell | undefined;

  constructor(private readonly options: SurfaceOptions) {
    if (options.endpoint === "responses")
      this.shell = {
        id: newResponseId(),
        model: options.model,
        createdAt: options.nowSeconds,
        request: options.body as ResponsesRequest,
      };
  }

  /** The request as chat completions, translated once (a ValidationError, 400, when it cannot be). */
  readonly asChat = (): ChatRequest => {
    if (this.chat) return this.chat;
    const { endpoint, body } = this.options;
    if (endpoint === "responses") this.chat = responsesToChat(body as ResponsesRequest, this.history());
    else if (endpoint === "messages") this.chat = messagesToChat(body as MessagesRequest);
    else this.chat = body as ChatRequest;
    return this.chat;
  };

  /** How the relay treats the provider's stream. `includeUsage`: a chat client asked for the usage chunk. */
  codec(wire: Wire, includeUsage: boolean): StreamCodec {
    const { endpoint, model, nowSeconds } = this.options;
    if (endpoint === "chat/completions" || endpoint === "completions")
      return wire === "anthropic"
        ? new AnthropicChatCodec(model, includeUsage, nowSeconds)
        : new OpenAiChatCodec(includeUsage);
    if (wire === "native") return new NativeCodec(endpoint === "messages" ? "messages" : "responses");
    // The encoders need the usage chunk to report usage in their last event.
    const inner =
      wire === "anthropic" ? new AnthropicChatCodec(model, true, nowSeconds) : new OpenAiChatCodec(true);
    const encoder =
      endpoint === "responses"
        ? new ResponsesStreamEncoder(this.shell!, (output) => this.remember(output))
        : new MessagesStreamEncoder(model);
    return new EncodedChatCodec(inner, encoder);
  }

  /** A provider's JSON answer in the client's API. */
  answer(wire: Wire, json: unknown): unknown {
    const { endpoint, model, nowSeconds } = this.options;
    if (wire === "native") return json;
    const chat = wire === "anthropic" ? fromAnthropicResponse(json, model, nowSeconds) : json;
    if (chat === undefined)
      throw new PierError(
        "upstream_invalid",
        "The provider's answer is not a message pier can translate.",
        502,
      );
    if (endpoint === "chat/completions" || endpoint === "completions" || endpoint === "embeddings")
      return chat;
    const parsed = chatCompletionSchema.safeParse(chat);
    if (!parsed.success)
      throw new PierError(
        "upstream_invalid",
        "The provider's answer is not a chat completion pier can translate.",
        502,
      );
    const completion = parsed.data;
    if (endpoint === "messages") return chatToMessage(completion, model);
    const response = chatToResponse(completion, this.shell!);
    this.remember(response.output);
    return response;
  }

  private history(): ChatMessage[] {
    const previous = (this.options.body as ResponsesRequest).previous_response_id;
    if (!previous) return [];
    const history = this.options.history;
    if (!history)
      throw new ValidationError(
        `previous_response_id ${previous} is unknown to pier: it keeps the conversations it answered through chat completions for 30 days, unless sent with store: false; send the earlier turns in input instead.`,
      );
    return history;
  }

  /** Keeps the conversation so far for a later previous_response_id, unless the client sent store: false. */
  private remember(output: OutputItem[]): void {
    const request = this.options.body as ResponsesRequest;
    if (request.store === false || !this.chat || !this.shell) return;
    const messages = (this.chat.messages as ChatMessage[]).slice(request.instructions ? 1 : 0);
    this.options.keep?.(this.shell.id, [...messages, ...outputToMessages(output)]);
  }
}
