import { NotFoundError, newId, PierError } from "@pier/core";
import type { RouteRow } from "@pier/db";
import type { ApiEnv } from "@pier/http";
import { readBody, requireScope } from "@pier/http";
import { Hono } from "hono";
import type { ApiDeps } from "../context.ts";
import { createRouteBody } from "../schemas.ts";

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
export function staticRouteRoutes(deps: ApiDeps) {
  const app = new Hono<ApiEnv>();

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

  app.get("/", requireScope("read"), async (c) => {
    const rows = await deps.stores.routes.list();
    return c.json({ routes: rows.map(presentRoute) });
  });

  app.post("/", requireScope("write"), async (c) => {
    const { host, pathPrefix, upstreams, ...options } = await readBody(c, createRouteBody);
    const row = await deps.stores.routes.create({ id: newId("rt"), host, pathPrefix, upstreams, options });
    try {
      const published = await publish();
      return c.json({ route: presentRoute(row), published }, 201);
    } catch (error) {
      // Never leave a route stored that no proxy serves: undo, then report why.
      await deps.stores.routes.delete(row.id);
      throw error;
    }
  });

  app.delete("/:id", requireScope("write"), async (c) => {
    const id = c.req.param("id");
    if (!(await deps.stores.routes.delete(id))) throw new NotFoundError("Route", id);
    const published = await publish();
    return c.json({ ok: true, id, published });
  });

  return app;
}
