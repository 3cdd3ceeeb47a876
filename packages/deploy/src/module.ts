import { once } from "@pier/core";
import { hasRows } from "@pier/db";
import type { ApiEnv } from "@pier/http";
import type { PierModule } from "@pier/platform";
import type { RouteSpec } from "@pier/proxy";
import type { Server } from "bun";
import { Hono } from "hono";
import { pingDockerEngine } from "./docker/client.ts";
import { appVolumeName } from "./docker/labels.ts";
import { ownedPaths } from "./http/owned-paths.ts";

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
      (await import("./start.ts")).startDeploy(ctx, (routes) => {
        liveRoutes = routes;
      }),
    );
    ctx.routes.register("deploy", () => liveRoutes?.() ?? []);
    // An API call without valid credentials gets its 401/403 from the core API at once instead of
    // waiting for the engine to load (the dashboard's first page asks before anyone logged in).
    const gate = new Hono<ApiEnv>();
    gate.use("*", ctx.authenticate);
    gate.all("*", (c) => c.body(null, 204));
    gate.onError((_, c) => c.body(null, 401));
    const viaEngine = async (request: Request, server: Server<unknown>) => {
      if (!load.started() && (await gate.fetch(request, server)).status !== 204) {
        return ctx.console.fetch(request, server);
      }
      return (await load()).handle(request, server);
    };
    ctx.addRawHandler((request, server) => {
      const path = new URL(request.url).pathname;
      if (path.startsWith("/git/")) return load().then((deploy) => deploy.handle(request, server));
      if (ownedPaths.test(path)) return viaEngine(request, server);
      // Deleting an app removes its replicas, repository and logs too: the engine knows where.
      if (request.method === "DELETE" && appPath.test(path)) return viaEngine(request, server);
      return null;
    });
    const withdrawRuntime = ctx.provide("appRuntime", {
      runOneOff: async (input) => (await load()).runtime.runOneOff(input),
      wake: async (app, environment) => (await load()).runtime.wake(app, environment),
      wakeRoute: async (routeId) => (await load()).runtime.wakeRoute(routeId),
      restartApp: async (app) => (await load()).runtime.restartApp(app),
      volumeName: appVolumeName,
      dockerReachable: () => pingDockerEngine(),
    });
    if (await hasRows(ctx.database, "deployments")) await load();
    return {
      async stop() {
        withdrawRuntime();
        await (await load.started())?.stop();
      },
    };
  },
};
