import { type RouteGroup, serveRoute } from "@pier/http";
import type { ClusterService } from "../cluster.ts";
import { clusterRoutes as r } from "./contract.ts";

/** `/api/v1/cluster`. */
export function clusterApi(group: RouteGroup, cluster: ClusterService): void {
  serveRoute(group, r.getCluster, async () => ({ cluster: await cluster.status() }));
  serveRoute(group, r.initCluster, async ({ body }) => {
    await cluster.init(body ?? { registryTls: "cluster-ca" });
    return { cluster: await cluster.status(), join: await cluster.joinCommand() };
  });
  serveRoute(group, r.joinCommand, async () => ({ join: await cluster.joinCommand() }));
  serveRoute(group, r.listNodes, async () => ({ nodes: await cluster.nodeViews() }));
  serveRoute(group, r.labelNode, async ({ params, body }) => ({
    node: await cluster.label(params.node, body.set, body.remove),
  }));
  serveRoute(group, r.drainNode, async ({ params }) => cluster.drain(params.node));
  serveRoute(group, r.activateNode, async ({ params }) => ({ node: await cluster.activate(params.node) }));
  serveRoute(group, r.removeNode, async ({ params, query }) => {
    await cluster.removeNode(params.node, query.force === "true" || query.force === "1");
    return { ok: true as const };
  });
}
