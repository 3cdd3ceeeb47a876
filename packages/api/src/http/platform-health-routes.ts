import { pierVersion } from "@pier/core";
import { type RouteGroup, serveRoute } from "@pier/http";
import type { PierContext } from "@pier/platform";
import { hostResources, summarizeCertificates } from "../platform-health.ts";
import { apiRoutes } from "./contract.ts";

const startedAt = new Date(Date.now() - process.uptime() * 1000);

/** GET /api/v1/platform/health: the dashboard's "is my server fine" panel. */
export function platformHealthRoutes(
  group: RouteGroup,
  ctx: Pick<PierContext, "config" | "tls" | "database" | "capabilities">,
): void {
  serveRoute(group, apiRoutes.platformHealth, async () => {
    const dockerReachable = ctx.capabilities.appRuntime?.dockerReachable;
    return {
      version: pierVersion,
      startedAt,
      database: ctx.database.dialect,
      host: await hostResources(ctx.config.dataDir),
      process: { rssBytes: process.memoryUsage().rss },
      docker: dockerReachable ? { reachable: await dockerReachable() } : null,
      certificates: summarizeCertificates(ctx.tls.list()),
    };
  });
}
