import { type ApiEnv, routeGroup } from "@pier/http";
import type { PierContext } from "@pier/platform";
import type { Hono } from "hono";
import { ClusterService } from "./cluster.ts";
import { clusterApi } from "./http/routes.ts";
import { clusterSettingsFromEnv } from "./settings.ts";

export interface RunningCluster {
  cluster: ClusterService;
  routes: Hono<ApiEnv>;
}

/** The cluster subsystem, loaded on first use or at start when a cluster exists (see module.ts). */
export async function startCluster(ctx: PierContext): Promise<RunningCluster> {
  const cluster = new ClusterService(ctx, clusterSettingsFromEnv());
  await cluster.resume();
  const group = routeGroup("/api/v1/cluster", ctx.authenticate);
  clusterApi(group, cluster);
  return { cluster, routes: group.app };
}
