import type { ServeConfig } from "@pier/config";
import { type RouteGroup, serveRoute } from "@pier/http";
import type { ProxyPool } from "@pier/proxy";
import { apiRoutes } from "./contract.ts";

/** Worker count, respawns and the live route-table version: what an operator checks first. */
export function proxyStatusRoutes(
  group: RouteGroup,
  proxy: ProxyPool | undefined,
  config: Pick<ServeConfig, "httpPort" | "httpsPort">,
): void {
  serveRoute(group, apiRoutes.proxyStatus, () => ({
    enabled: proxy !== undefined,
    httpPort: config.httpPort,
    httpsPort: config.httpsPort,
    ...(proxy?.stats() ?? { workers: 0, respawns: 0, version: 0 }),
  }));
}
