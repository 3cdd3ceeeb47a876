import { routeSpecSchema } from "@pier/proxy";
import type { PierModule } from "../platform/module.ts";

/** Routes created through `POST /api/v1/routes`: fixed upstreams, no deployment behind them. */
export const staticRoutesModule: PierModule = {
  name: "static-routes",
  async start({ routes, stores }) {
    routes.register("static", async () =>
      (await stores.routes.list()).map((row) =>
        routeSpecSchema.parse({
          ...row.options,
          id: row.id,
          host: row.host,
          pathPrefix: row.pathPrefix,
          upstreams: row.upstreams,
          appId: row.appId ?? undefined,
        }),
      ),
    );
    return {};
  },
};
