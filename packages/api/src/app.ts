import { NotFoundError, PierError } from "@pier/core";
import type { ApiEnv } from "@pier/http";
import { authenticate, errorResponse, rejectNulInUrl, requestLog, routeGroup } from "@pier/http";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ApiDeps } from "./context.ts";
import { appRoutes } from "./http/apps-routes.ts";
import { authRoutes } from "./http/auth-routes.ts";
import { staticRouteRoutes } from "./http/static-routes-routes.ts";
import { tokenRoutes } from "./http/tokens-routes.ts";
import { userRoutes } from "./http/users-routes.ts";

const maxApiBodyBytes = 1024 * 1024;

export function createApi(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.use("*", requestLog(deps.logger));
  // Answers are JSON or text: a browser must not sniff one into HTML or script.
  app.use("*", async (c, next) => {
    await next();
    if (c.res.status === 101) return;
    try {
      c.res.headers.set("x-content-type-options", "nosniff");
    } catch {
      // A response passed on from fetch() has immutable headers; it keeps its own.
    }
  });
  app.onError((error, c) =>
    errorResponse(c, error, (e) => deps.logger.error("unhandled error", { error: e }), {
      dataDir: deps.dataDir,
    }),
  );
  app.notFound((c) => {
    throw new NotFoundError("Route", `${c.req.method} ${c.req.path}`);
  });

  app.get("/healthz", (c) => c.json({ ok: true, version: deps.version }));

  const api = new Hono<ApiEnv>();
  api.use(
    "*",
    bodyLimit({
      maxSize: maxApiBodyBytes,
      onError: () => {
        throw new PierError(
          "payload_too_large",
          `Request bodies on /api/v1 are limited to ${maxApiBodyBytes} bytes.`,
          413,
        );
      },
    }),
  );
  api.use("*", rejectNulInUrl);
  const auth = authenticate(deps);
  // Sign-in routes come before the authentication every later /api/v1 route sits behind.
  const signIn = routeGroup("/api/v1", auth);
  authRoutes(signIn, deps);
  api.route("/", signIn.app);
  api.use("*", auth);
  const core = routeGroup("/api/v1", auth);
  appRoutes(core, deps);
  tokenRoutes(core, deps);
  userRoutes(core, deps);
  staticRouteRoutes(core, deps);
  api.route("/", core.app);
  app.route("/api/v1", api);
  return app;
}
