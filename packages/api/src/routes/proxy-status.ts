import type { ServeConfig } from "@pier/config";
import { type ApiEnv, requireScope } from "@pier/http";
import type { ProxyPool } from "@pier/proxy";
import { Hono, type MiddlewareHandler } from "hono";

/** Worker count, respawns and the live route-table version: what an operator checks first. */
export function proxyStatusRoutes(
  proxy: ProxyPool | undefined,
  config: Pick<ServeConfig, "httpPort" | "httpsPort">,
  authenticate: MiddlewareHandler<ApiEnv>,
) {
  const api = new Hono<ApiEnv>();
  api.use("*", authenticate);
  api.get("/", requireScope("read"), (c) =>
    c.json({
      enabled: proxy !== undefined,
      httpPort: config.httpPort,
      httpsPort: config.httpsPort,
      ...(proxy?.stats() ?? { workers: 0, respawns: 0, version: 0 }),
    }),
  );
  return api;
}
