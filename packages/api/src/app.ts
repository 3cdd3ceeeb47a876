import { NotFoundError, PierError } from "@pier/core";
import type { ApiEnv } from "@pier/http";
import { authenticate, errorResponse, rejectNulInUrl, requestLog } from "@pier/http";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ApiDeps } from "./context.ts";
import { appRoutes } from "./routes/apps.ts";
import { authRoutes } from "./routes/auth.ts";
import { staticRouteRoutes } from "./routes/routes.ts";
import { tokenRoutes } from "./routes/tokens.ts";

const maxApiBodyBytes = 1024 * 1024;

export function createApi(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.use("*", requestLog(deps.logger));
  app.onError((error, c) =>
    errorResponse(c, error, (e) => deps.logger.error("unhandled error", { error: e })),
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
  api.route("/auth", authRoutes(deps));
  api.use("*", authenticate(deps));
  api.route("/apps", appRoutes(deps));
  api.route("/tokens", tokenRoutes(deps));
  api.route("/routes", staticRouteRoutes(deps));
  app.route("/api/v1", api);
  return app;
}
