/**
 * Every default of the deploy engine, in one place. Durations are milliseconds.
 * pier.toml values override the per-app ones; environment variables override the machine ones.
 */
export const deployDefaults = {
  health: {
    path: "/",
    /** Pause between two health probes of one replica. */
    intervalMs: 1000,
    /** Timeout of one health probe request. */
    timeoutMs: 5000,
    /** Pause between two liveness probes of a live replica. */
    livenessIntervalMs: 10_000,
    /** Failed liveness probes in a row before the replica is replaced. */
    livenessFailures: 3,
  },
  deploy: {
    replicas: 1,
    /** Port the app listens on inside the container (given to it as PORT). */
    port: 3000,
    /** How long new replicas may take to become healthy before the deploy fails. */
    timeoutMs: 60_000,
    /** How long old replicas keep serving in-flight requests after the route swap. */
    drainTimeoutMs: 30_000,
    /** Grace between SIGTERM and SIGKILL when a replica is stopped. */
    stopTimeoutMs: 10_000,
    /** How long the release command may run before the deploy fails. */
    releaseTimeoutMs: 10 * 60_000,
  },
  cron: {
    /** How long one run of a cron job may take before it is stopped and counted as failed. */
    timeoutMs: 60 * 60_000,
  },
  /**
   * What a replica may use unless pier.toml [resources] says otherwise. Memory is capped so one
   * leaking app cannot take the machine (and pier) down with it; CPU is shared, not capped; the
   * process limit stops a fork bomb.
   */
  resources: {
    memoryBytes: 1024 * 1024 * 1024,
    pids: 1024,
  },
  build: {
    dockerfile: "Dockerfile",
    context: ".",
  },
  /** How long a replica that exited outside pier may take to come back before it is reported down. */
  replicaDownAfterMs: 15_000,
  /** Releases (images) kept per app; older ones are pruned after a successful deploy. */
  keepReleases: 5,
  baseImages: {
    bun: "oven/bun:1",
    node: "node:22-slim",
  },
} as const;

export type BaseImages = { bun: string; node: string };

/** Machine-level settings read from the environment (PIER_BASE_IMAGE_BUN, PIER_BASE_IMAGE_NODE). */
export function baseImagesFromEnv(env: Record<string, string | undefined> = process.env): BaseImages {
  return {
    bun: env.PIER_BASE_IMAGE_BUN || deployDefaults.baseImages.bun,
    node: env.PIER_BASE_IMAGE_NODE || deployDefaults.baseImages.node,
  };
}
