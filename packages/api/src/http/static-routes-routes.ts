import { NotFoundError, newId, PierError } from "@pier/core";
import type { RouteRow } from "@pier/db";
import { type RouteGroup, serveRoute } from "@pier/http";
import type { ApiDeps } from "../context.ts";
import { apiRoutes } from "./contract.ts";

function presentRoute(row: RouteRow) {
  return {
    id: row.id,
    host: row.host,
    pathPrefix: row.pathPrefix,
    upstreams: row.upstreams,
    ...row.options,
    createdAt: row.createdAt,
  };
}

/** Static routes to fixed upstreams: the proxy without deployments, for tests, benchmarks and odd services. */
export function staticRouteRoutes(group: RouteGroup, deps: ApiDeps): void {
  async function publish() {
    if (!deps.routePublisher) {
      throw new PierError(
        "proxy_disabled",
        "The proxy is not running (started with --proxy-workers 0).",
        409,
      );
    }
    return deps.routePublisher.publish();
  }

  serveRoute(group, apiRoutes.listRoutes, async () => ({
    routes: (await deps.stores.routes.list()).map(presentRoute),
  }));

  serveRoute(group, apiRoutes.createRoute, async ({ body }) => {
    const { host, pathPrefix, upstreams, ...options } = body;
    const row = await deps.stores.routes.create({ id: newId("rt"), host, pathPrefix, upstreams, options });
    try {
      const { version, ackMs, conflicts } = await publish();
      // The proxy leaves out a route whose host and prefix another route has (the one serving wins).
      const lost = conflicts?.find((c) => c.dropped.id === row.id);
      if (lost) throw new PierError("route_conflict", lost.message, 409);
      return { route: presentRoute(row), published: { version, ackMs } };
    } catch (error) {
      // Never leave a route stored that no proxy serves: undo, then report why.
      await deps.stores.routes.delete(row.id);
      throw error;
    }
  });

  serveRoute(group, apiRoutes.deleteRoute, async ({ params }) => {
    if (!(await deps.stores.routes.delete(params.id))) throw new NotFoundError("Route", params.id);
    const { version, ackMs } = await publish();
    return { ok: true as const, id: params.id, published: { version, ackMs } };
  });
}
