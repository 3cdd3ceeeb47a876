import { PierError } from "@pier/core";
import type { OriginOf } from "@pier/http";
import type { Server } from "bun";
import { type Context, Hono } from "hono";
import type { AiGateway } from "../gateway.ts";
import type { Endpoint } from "../providers.ts";

/**
 * The OpenAI-compatible surface, mounted at `/ai/v1` on the console and at `/_pier/ai/v1` for app
 * hosts (the proxy forwards `/_pier/*` with X-Pier-App). Authenticated by pier AI keys only.
 * X-Pier-App binds a request to the app whose host it was sent to, so it is read only from pier's
 * own proxy workers (`originOf(...).viaEdge`); without `originOf` (tests) it is not read at all.
 */
export function openAiRoutes(gateway: AiGateway, originOf?: OriginOf): Hono {
  const app = new Hono();
  const pierApp = (c: Context): string | undefined =>
    originOf?.(c.req.raw, c.env as Server<unknown>).viaEdge ? c.req.header("x-pier-app") : undefined;
  // OpenAI clients read `error.message` and `error.type`; pier's `code` rides along.
  app.onError((error, c) => {
    if (!(error instanceof PierError)) throw error;
    const headers: Record<string, string> = {};
    if ("retryAfterSeconds" in error) headers["retry-after"] = String(error.retryAfterSeconds);
    return c.json(
      { error: { code: error.code, message: error.message, type: error.code } },
      error.status as 400,
      headers,
    );
  });
  const handle = (endpoint: Endpoint) => async (c: Context) => {
    const key = await gateway.authenticate(c.req.header("authorization"), pierApp(c));
    return gateway.handle(endpoint, key, c.req.raw);
  };
  app.post("/chat/completions", handle("chat/completions"));
  app.post("/completions", handle("completions"));
  app.post("/embeddings", handle("embeddings"));
  app.get("/models", async (c) => {
    const key = await gateway.authenticate(c.req.header("authorization"), pierApp(c));
    return c.json(gateway.models(key));
  });
  return app;
}
