import type { RouteSpec } from "@pier/proxy";
import { hasRows, once } from "../platform/lazy.ts";
import type { PierModule } from "../platform/module.ts";
import { ownedPaths } from "./deploy/paths.ts";

const appPath = /^\/api\/v1\/apps\/[^/]+$/;

/**
 * The deploy engine in `pier serve`: git push and uploads in, releases built and rolled out on
 * the Docker Engine (or as static replicas in this process), routes for every environment out.
 * The engine loads at start when deployments exist (they are reconciled and served), otherwise on
 * the first git push or deploy API call: until then nothing is live and there are no routes.
 */
export const deployModule: PierModule = {
  name: "deploy",
  async start(ctx) {
    let liveRoutes: (() => Promise<RouteSpec[]>) | undefined;
    const load = once(async () =>
      (await import("./deploy/start.ts")).startDeploy(ctx, (routes) => {
        liveRoutes = routes;
      }),
    );
    ctx.routes.register("deploy", () => liveRoutes?.() ?? []);
    ctx.addRawHandler((request, server) => {
      const path = new URL(request.url).pathname;
      if (path.startsWith("/git/") || ownedPaths.test(path)) {
        return load().then((deploy) => deploy.handle(request, server));
      }
      // Deleting an app removes its replicas, repository and logs too: the engine knows where.
      if (request.method === "DELETE" && appPath.test(path)) {
        return load().then((deploy) => deploy.handle(request, server));
      }
      return null;
    });
    if (await hasRows(ctx.database, "deployments")) await load();
    return {
      async stop() {
        await (await load.started())?.stop();
      },
    };
  },
};
