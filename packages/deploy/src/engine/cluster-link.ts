import type { Logger } from "@pier/core";
import type { Capabilities, ClusterReplicaPlace } from "@pier/platform";
import type { PublishImage } from "../build-release.ts";
import type { ReplicaRuntime } from "../ports.ts";
import type { ServingTable } from "./serving.ts";

/** Replicas a cluster runs have ids `swarm:<service>:<slot>`. */
export const isClusterReplicaId = (id: string) => id.startsWith("swarm:");

/**
 * The engine's container runtime once a cluster may exist: new replicas go to the cluster when
 * `pier cluster init` made one (looked up at each start, so a cluster made while pier runs takes
 * the next deploy), replicas are stopped and removed where they run. Without a cluster capability
 * this is `local` unchanged.
 */
export function clusterAwareRuntime(
  capabilities: Readonly<Capabilities>,
  local: () => ReplicaRuntime,
): ReplicaRuntime {
  const pick = (id: string): ReplicaRuntime => {
    const cluster = capabilities.cluster;
    return isClusterReplicaId(id) && cluster ? cluster.replicas : local();
  };
  return {
    async start(spec) {
      const cluster = capabilities.cluster;
      if (cluster && (await cluster.enabled())) return cluster.replicas.start(spec);
      return local().start(spec);
    },
    state: (id) => pick(id).state(id),
    stop: (id, graceMs) => pick(id).stop(id, graceMs),
    remove: (id) => pick(id).remove(id),
    tailLogs: (id, lines) => pick(id).tailLogs(id, lines),
  };
}

/**
 * How a release's image reaches the cluster's nodes (pushed to its registry, other platforms
 * built), or undefined on a single machine.
 */
export async function clusterPublisher(
  capabilities: Readonly<Capabilities>,
  app: string,
  deploymentId: string,
  say: (line: string) => void,
): Promise<PublishImage | undefined> {
  const cluster = capabilities.cluster;
  if (!cluster || !(await cluster.enabled())) return undefined;
  return ({ image, config, build }) =>
    cluster.publishImage({
      app,
      deploymentId,
      image,
      placement: config.deploy.placement,
      platforms: config.deploy.platforms,
      build,
      say,
    });
}

/**
 * Applies a replica's new place to the serving table: out of the routes while it has none, routed
 * at its new address once the cluster saw it healthy there. Pure on the table; true when it changed.
 */
export function applyReplicaPlace(serving: ServingTable, place: ClusterReplicaPlace): boolean {
  for (const entry of serving.list()) {
    const replica = entry.replicas.find((r) => r.containerId === place.containerId);
    if (!replica) continue;
    const others = entry.upstreams.filter((u) => u !== replica.upstream);
    if (place.upstream === null) {
      if (others.length === entry.upstreams.length) return false;
      serving.setUpstreams(entry.app, entry.env, others);
      return true;
    }
    if (replica.upstream === place.upstream && entry.upstreams.includes(place.upstream)) return false;
    replica.upstream = place.upstream;
    serving.setUpstreams(entry.app, entry.env, [...others, place.upstream]);
    return true;
  }
  return false;
}

/** Follows the cluster's replica moves into the serving table and the proxy's routes. */
export function followClusterMoves(deps: {
  capabilities: Readonly<Capabilities>;
  serving: ServingTable;
  publishRoutes(): Promise<void>;
  logger: Logger;
}): () => void {
  const cluster = deps.capabilities.cluster;
  if (!cluster) return () => {};
  return cluster.onReplicaMoved(async (place) => {
    if (!applyReplicaPlace(deps.serving, place)) return;
    deps.logger.info(
      place.upstream ? "a cluster replica is routed at its new place" : "a cluster replica left the routes",
      {
        replica: place.containerId,
        upstream: place.upstream,
      },
    );
    await deps.publishRoutes();
  });
}
