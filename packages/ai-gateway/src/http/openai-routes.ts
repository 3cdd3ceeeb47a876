import { PierError } from "@pier/core";
import type { OriginOf } from "@pier/http";
import type { Server } from "bun";
import { type Context, Hono } from "hono";
import { UpstreamError } from "../dispatch.ts";
import type { AiGateway } from "../gateway.ts";
import type { Endpoint } from "../providers.ts";

/**
 * The OpenAI-compatible surface (and Anthropic's Messages API at `/messages`, so that
 * `@anthropic-ai/sdk` with `baseURL: …/ai` works), mounted at `/ai/v1` on the console and at `/_pier/ai/v1` for app
 * hosts (the proxy forwards `/_pier/*` with X-Pier-App). Authenticated by pier AI keys only.
 * X-Pier-App binds a request to the app whose host it was sent to, so it is read only from pier's
 * own proxy workers (`originOf(...).viaEdge`); without `originOf` (tests) it is not read at all.
 */
export function openAiRoutes(gateway: AiGateway, originOf?: OriginOf): Hono {
  const app = new Hono();
  const pierApp = (c: Context): string | undefined =>
    originOf?.(c.req.raw, c.env as Server<unknown>).viaEdge ? c.req.header("x-pier-app") : undefined;
  // OpenAI clients read `error.message` and `error.type`; pier's `code` rides along. Anthropic's
  // clients expect `{type: "error", error: {type, message}}`.
  app.onError((error, c) => {
    if (!(error instanceof PierError)) throw error;
    const headers: Record<string, string> = {};
    if ("retryAfterSeconds" in error) headers["retry-after"] = String(error.retryAfterSeconds);
    if (error instanceof UpstreamError) Object.assign(headers, error.headers);
    const body = /\/messages(\/count_tokens)?$/.test(c.req.path)
      ? { type: "error", error: { type: anthropicErrorType(error.status), message: error.message } }
      : { error: { code: error.code, message: error.message, type: error.code } };
    return c.json(body, error.status as 400, headers);
  });
  // Anthropic's SDK sends its key as x-api-key (or as a bearer token with `authToken`).
  const authorization = (c: Context) => {
    const apiKey = c.req.header("x-api-key");
    return c.req.header("authorization") ?? (apiKey ? `Bearer ${apiKey}` : undefined);
  };
  const handle = (endpoint: Endpoint) => async (c: Context) => {
    const key = await gateway.authenticate(authorization(c), pierApp(c));
    return gateway.handle(endpoint, key, c.req.raw);
  };
  app.post("/chat/completions", handle("chat/completions"));
  app.post("/completions", handle("completions"));
  app.post("/embeddings", handle("embeddings"));
  app.post("/responses", handle("responses"));
  app.post("/messages", handle("messages"));
  // OpenAI's stored-response routes (retrieve, delete, cancel, input items): pier keeps no
  // response to serve them (for answers it translated, only the conversation that
  // previous_response_id continues). A 404 that says so, in OpenAI's shape, instead of Hono's
  // "route does not exist".
  app.on(["GET", "POST", "DELETE"], "/responses/:id{.+}", async (c) => {
    await gateway.authenticate(authorization(c), pierApp(c));
    throw new PierError(
      "not_found",
      `pier keeps no stored responses, so ${c.req.method} /responses/${c.req.param("id")} is not served: read the answer when it is returned or streamed, and continue a conversation with previous_response_id.`,
      404,
    );
  });
  app.post("/messages/count_tokens", async (c) => {
    const key = await gateway.authenticate(authorization(c), pierApp(c));
    return gateway.countTokens(key, c.req.raw);
  });
  app.get("/models", async (c) => {
    const key = await gateway.authenticate(authorization(c), pierApp(c));
    return c.json(gateway.models(key, c.req.header("anthropic-version") ? "anthropic" : "openai"));
  });
  return app;
}

/** Anthropic's error types by status, which its SDK and agents switch on. */
function anthropicErrorType(status: number): string {
  if (status === 400 || status === 413) return status === 413 ? "request_too_large" : "invalid_request_error";
  if (status === 401) return "authentication_error";
  if (status === 402 || status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 429) return "rate_limit_error";
  return "api_error";
}
