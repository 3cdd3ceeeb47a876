import { NotFoundError, once } from "@pier/core";
import { type Context, Hono } from "hono";
import type { ApiEnv } from "./env.ts";

/** The console's context of the request being handed to a lazily built sub-app. */
const outerContexts = new WeakMap<Request, Context<ApiEnv>>();

/**
 * `console.route(prefix, subApp)` for a sub-app that is built on the first request under `prefix`,
 * so a subsystem nobody uses costs nothing at idle. The sub-app sees what a mounted one sees: the
 * full path, the console's variables (request id, principal) and its errors and 404s go to the
 * console's error handler.
 */
export function lazyRoute(console: Hono<ApiEnv>, prefix: string, build: () => Promise<Hono<ApiEnv>>): void {
  const mounted = once(async () => {
    const app = new Hono<ApiEnv>();
    app.use("*", async (c, next) => {
      const outer = outerContexts.get(c.req.raw);
      if (outer) {
        for (const [key, value] of Object.entries(outer.var)) c.set(key as keyof ApiEnv["Variables"], value);
      }
      await next();
    });
    app.route(prefix, await build());
    app.notFound((c) => {
      throw new NotFoundError("Route", `${c.req.method} ${c.req.path}`);
    });
    app.onError((error) => {
      throw error;
    });
    return app;
  });
  const handler = async (c: Context<ApiEnv>) => {
    const app = await mounted();
    outerContexts.set(c.req.raw, c);
    return app.fetch(c.req.raw, c.env);
  };
  console.all(prefix, handler);
  console.all(`${prefix}/*`, handler);
}
