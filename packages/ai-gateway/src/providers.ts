import { toAnthropicRequest } from "./anthropic.ts";
import type { ChatRequest, ProviderKind } from "./schemas.ts";

export type Endpoint = "chat/completions" | "completions" | "embeddings" | "responses" | "messages";

/**
 * How a request reaches a provider: `native` as the client sent it (chat on OpenAI, Responses on
 * OpenAI itself, Messages on Anthropic), `chat` translated to OpenAI chat completions (OpenAI-
 * compatible servers, which seldom have /responses), `anthropic` translated through chat to the
 * Messages API.
 */
export type Wire = "native" | "chat" | "anthropic";

export function wireFor(kind: ProviderKind, endpoint: Endpoint): Wire {
  if (endpoint === "messages") return kind === "anthropic" ? "native" : "chat";
  if (kind === "anthropic") return "anthropic";
  if (endpoint === "responses" && kind === "openai-compatible") return "chat";
  return "native";
}

/** A provider as the hot path needs it: key already decrypted, nothing read from the database. */
export interface ProviderConfig {
  id: string;
  name: string;
  kind: ProviderKind;
  baseUrl: string | null;
  apiKey: string | undefined;
  models: string[];
}

export class UnsupportedEndpointError extends Error {
  readonly code = "unsupported_endpoint";
  constructor(provider: string, endpoint: string) {
    super(
      `Provider "${provider}" (Anthropic) has no ${endpoint} endpoint; route this model to an OpenAI-compatible provider.`,
    );
  }
}

const openAiBase = "https://api.openai.com/v1";
const anthropicBase = "https://api.anthropic.com";

export interface UpstreamCall {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * Builds the provider request. OpenAI-style streams ask for the usage chunk so every streamed
 * request can be costed; the relay hides it again from clients that did not ask for it. `asChat`
 * gives the request as chat completions when the client's API is another one (translated once per
 * request, on the first target that needs it).
 */
export function buildUpstreamCall(
  provider: ProviderConfig,
  endpoint: Endpoint,
  body: Record<string, unknown>,
  model: string,
  asChat: () => ChatRequest = () => body as ChatRequest,
  /** Client headers for a provider reached natively (Anthropic's `anthropic-beta`). */
  passHeaders: Record<string, string> = {},
): UpstreamCall {
  const wire = wireFor(provider.kind, endpoint);
  if (provider.kind === "anthropic") {
    if (wire === "anthropic" && endpoint !== "chat/completions" && endpoint !== "responses")
      throw new UnsupportedEndpointError(provider.name, endpoint);
    const base = (provider.baseUrl ?? anthropicBase).replace(/\/+$/, "");
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "anthropic-version": "2023-06-01",
    };
    if (provider.apiKey) headers["x-api-key"] = provider.apiKey;
    if (wire === "native") Object.assign(headers, passHeaders);
    const upstreamBody = wire === "native" ? { ...body, model } : toAnthropicRequest(asChat(), model);
    return {
      url: base.endsWith("/v1") ? `${base}/messages` : `${base}/v1/messages`,
      headers,
      body: JSON.stringify(upstreamBody),
    };
  }
  const base = (provider.baseUrl ?? openAiBase).replace(/\/+$/, "");
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (provider.apiKey) headers.authorization = `Bearer ${provider.apiKey}`;
  if (wire === "native" && endpoint === "responses")
    return { url: `${base}/responses`, headers, body: JSON.stringify({ ...body, model }) };
  const chat = wire === "chat" ? (asChat() as Record<string, unknown>) : body;
  const path = wire === "chat" ? "chat/completions" : endpoint;
  const upstreamBody: Record<string, unknown> = { ...chat, model };
  if (chat.stream === true && path !== "embeddings") {
    upstreamBody.stream_options = { ...(chat.stream_options as object | undefined), include_usage: true };
  }
  return { url: `${base}/${path}`, headers, body: JSON.stringify(upstreamBody) };
}

/** Worth another attempt (same target after back-off, then the next fallback). */
export function isRetriableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}
