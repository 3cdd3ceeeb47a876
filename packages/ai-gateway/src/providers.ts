import { toAnthropicRequest } from "./anthropic.ts";
import type { ChatRequest, ProviderKind } from "./schemas.ts";

export type Endpoint = "chat/completions" | "completions" | "embeddings";

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
  constructor(provider: string, endpoint: Endpoint) {
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
 * request can be costed; the relay hides it again from clients that did not ask for it.
 */
export function buildUpstreamCall(
  provider: ProviderConfig,
  endpoint: Endpoint,
  body: Record<string, unknown>,
  model: string,
): UpstreamCall {
  if (provider.kind === "anthropic") {
    if (endpoint !== "chat/completions") throw new UnsupportedEndpointError(provider.name, endpoint);
    const base = (provider.baseUrl ?? anthropicBase).replace(/\/+$/, "");
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "anthropic-version": "2023-06-01",
    };
    if (provider.apiKey) headers["x-api-key"] = provider.apiKey;
    return {
      url: base.endsWith("/v1") ? `${base}/messages` : `${base}/v1/messages`,
      headers,
      body: JSON.stringify(toAnthropicRequest(body as ChatRequest, model)),
    };
  }
  const base = (provider.baseUrl ?? openAiBase).replace(/\/+$/, "");
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (provider.apiKey) headers.authorization = `Bearer ${provider.apiKey}`;
  const upstreamBody: Record<string, unknown> = { ...body, model };
  if (body.stream === true && endpoint !== "embeddings") {
    upstreamBody.stream_options = { ...(body.stream_options as object | undefined), include_usage: true };
  }
  return { url: `${base}/${endpoint}`, headers, body: JSON.stringify(upstreamBody) };
}

/** Worth another attempt (same target after back-off, then the next fallback). */
export function isRetriableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}
