import { z } from "zod";

const ms = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const settingsSchema = z.object({
  /** The registry image the cluster's own registry runs (CNCF distribution). */
  registryImage: z.string().min(1).default("registry:2"),
  /** Loopback port of the registry on the manager (host network; only pier's proxy reaches it). */
  registryPort: z.coerce.number().int().min(1).max(65535).default(5000),
  /** How often the swarm's task list is read (the Engine has no task events). */
  pollMs: ms(1000),
  /** How long the tasks of a new release may take to run (pulling the image on the nodes included). */
  startTimeoutMs: ms(180_000),
  /** How long a new release's task may lag behind the others' before its tasks are restarted (a stalled pull). */
  stuckMs: ms(60_000),
  /** How long a moved replica may take to answer its health check. */
  healthTimeoutMs: ms(60_000),
  /** How long `pier cluster drain` waits for requests in flight to the node's replicas. */
  drainTimeoutMs: ms(30_000),
});
export type ClusterSettings = z.infer<typeof settingsSchema>;

/** `PIER_CLUSTER_*` settings with their defaults. */
export function clusterSettingsFromEnv(
  env: Record<string, string | undefined> = process.env,
): ClusterSettings {
  return settingsSchema.parse({
    registryImage: env.PIER_CLUSTER_REGISTRY_IMAGE || undefined,
    registryPort: env.PIER_CLUSTER_REGISTRY_PORT || undefined,
    pollMs: env.PIER_CLUSTER_POLL_MS || undefined,
    startTimeoutMs: env.PIER_CLUSTER_START_TIMEOUT_MS || undefined,
    stuckMs: env.PIER_CLUSTER_STUCK_MS || undefined,
    healthTimeoutMs: env.PIER_CLUSTER_HEALTH_TIMEOUT_MS || undefined,
    drainTimeoutMs: env.PIER_CLUSTER_DRAIN_TIMEOUT_MS || undefined,
  });
}
