import { type ApiEnv, authenticate, requireScope } from "@pier/api";
import { Hono } from "hono";
import type { PierModule } from "../platform/module.ts";

/** Worker count, respawns and the live route-table version: what an operator checks first. */
export const proxyStatusModule: PierModule = {
  name: "proxy-status",
  async start({ console, apiDeps, proxy, config }) {
    const api = new Hono<ApiEnv>();
    api.use("*", authenticate(apiDeps));
    api.get("/", requireScope("read"), (c) =>
      c.json({
        enabled: proxy !== undefined,
        httpPort: config.httpPort,
        httpsPort: config.httpsPort,
        ...(proxy?.stats() ?? { workers: 0, respawns: 0, version: 0 }),
      }),
    );
    console.route("/api/v1/proxy", api);
    return {};
  },
};
