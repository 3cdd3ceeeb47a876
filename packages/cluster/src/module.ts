import { existsSync } from "node:fs";
import { join } from "node:path";
import { once } from "@pier/core";
import { lazyRoute } from "@pier/http";
import type { ClusterCapability, PierModule } from "@pier/platform";

const registryPaths = new Set(["/_pier/registry/token", "/_pier/registry/ca.crt"]);

/**
 * Clusters on Docker Swarm in `pier serve`: `pier cluster init` makes this machine's Docker Engine
 * a swarm manager with a registry; from then on the deploy engine runs container releases on the
 * swarm's nodes through the `cluster` capability. Loads at start when a cluster exists, otherwise
 * on the first request to its API: a single-machine pier does not pay for it.
 */
export const clusterModule: PierModule = {
  name: "cluster",
  async start(ctx) {
    const exists = () => existsSync(join(ctx.config.dataDir, "cluster", "state.json"));
    const listeners = new Set<Parameters<ClusterCapability["onReplicaMoved"]>[0]>();
    const load = once(async () => {
      const running = await (await import("./start.ts")).startCluster(ctx);
      running.cluster.watch.onPlace(async (place) => {
        await Promise.all([...listeners].map((listener) => listener(place)));
      });
      return running;
    });
    lazyRoute(ctx.console, "/api/v1/cluster", async () => (await load()).routes);
    ctx.routes.register("cluster", async () => (load.started() ? (await load()).cluster.routes() : []));
    ctx.addRawHandler((request) => {
      const path = new URL(request.url).pathname;
      if (!registryPaths.has(path) || !exists()) return null;
      return load().then(({ cluster }) => cluster.handleRegistryPath(request, path));
    });
    const capability: ClusterCapability = {
      enabled: async () => exists() && (await load()).cluster.enabled,
      replicas: {
        start: async (spec) => (await load()).cluster.runtime.start(spec),
        state: async (id) => (await load()).cluster.runtime.state(id),
        stop: async () => (await load()).cluster.runtime.stop(),
        remove: async (id) => (await load()).cluster.runtime.remove(id),
        tailLogs: async (id, lines) => (await load()).cluster.runtime.tailLogs(id, lines),
      },
      publishImage: async (input) => (await load()).cluster.capability().publishImage(input),
      replicasOf: async (ids) => (exists() ? (await load()).cluster.capability().replicasOf(ids) : []),
      onReplicaMoved: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      removeApp: async (app) => {
        if (exists()) await (await load()).cluster.capability().removeApp(app);
      },
    };
    const withdraw = ctx.provide("cluster", capability);
    if (exists()) await load();
    return {
      async stop() {
        withdraw();
        await (await load.started())?.cluster.stop();
      },
    };
  },
};
