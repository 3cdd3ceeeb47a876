import { metaRoutes } from "@pier/contract/meta";
import { pierVersion } from "@pier/core";
import { routeGroup, serveRoute } from "@pier/http";
import type { PierModule } from "@pier/platform";

/**
 * `GET /api/v1/openapi.json`: the API described from the same zod contract the routes are served
 * with. Every package's contract loads on the first request for it, not at start.
 */
export const openApiModule: PierModule = {
  name: "openapi",
  async start({ console, authenticate }) {
    const group = routeGroup("/api/v1", authenticate);
    let document: Record<string, unknown> | undefined;
    serveRoute(group, metaRoutes.openApi, async () => {
      document ??= (await import("@pier/contract")).pierOpenApi(pierVersion);
      return document;
    });
    console.route("/api/v1", group.app);
    return {};
  },
};
