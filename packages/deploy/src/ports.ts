/**
 * The interfaces the rollout depends on. The Docker implementation of ReplicaRuntime lives in
 * docker/replicas.ts; RoutePublisher, DeploymentRecorder and DrainMonitor are implemented by the
 * control plane (route table + proxy workers, database).
 */

export interface ReplicaSpec {
  app: string;
  /** Environment name: "production", or a preview slug. */
  env: string;
  deploymentId: string;
  /** 1-based index of the replica inside its deployment. */
  replica: number;
  image: string;
  /** Port the app listens on inside the container; also given to it as PORT. */
  port: number;
  envVars: Record<string, string>;
  /** Memory cap in bytes; null for none. */
  memoryBytes?: number | null;
  cpus?: number;
  pidsLimit?: number;
  /** `user`, `uid` or `uid:gid`; the image's USER when absent. */
  user?: string;
  readOnly?: boolean;
  /** Docker networks joined besides the default bridge (linked services; see @pier/services). */
  networks?: string[];
  /** Named volumes of the app (`[[volumes]]`) mounted at their paths; shared by every replica. */
  volumes?: { name: string; path: string }[];
  /** For a cluster runtime (see @pier/cluster); the local Docker runtime ignores them. */
  replicas?: number;
  placement?: string[];
  spread?: "node" | "none";
  platforms?: string[];
  stopGraceMs?: number;
  healthPath?: string;
}

export interface StartedReplica {
  containerId: string;
  replica: number;
  hostPort: number;
  /** `127.0.0.1:<hostPort>`, what the proxy dials. */
  upstream: string;
}

export interface ReplicaState {
  running: boolean;
  exitCode: number | null;
}

export interface ReplicaRuntime {
  start(spec: ReplicaSpec): Promise<StartedReplica>;
  state(containerId: string): Promise<ReplicaState>;
  /** SIGTERM, then SIGKILL after `graceMs`. Stopping a stopped or missing container is not an error. */
  stop(containerId: string, graceMs: number): Promise<void>;
  /** Removing a missing container is not an error. */
  remove(containerId: string): Promise<void>;
  tailLogs(containerId: string, lines: number): Promise<string[]>;
}

export interface RoutePublisher {
  /**
   * Points the app's routes for `env` at `upstreams` (`host:port`). Resolves once every proxy
   * worker has acknowledged the new route table; rejects if that does not happen.
   */
  setAppUpstreams(appId: string, env: string, upstreams: string[]): Promise<void>;
}

/** Optional: lets the proxy end a drain early once the old upstreams have no request in flight. */
export interface DrainMonitor {
  waitForIdle(upstreams: string[], timeoutMs: number): Promise<void>;
}

export type RolloutStatus = "starting" | "health_checking" | "switching" | "live" | "failed";

export interface DeploymentPatch {
  status: RolloutStatus;
  replicas?: StartedReplica[];
  error?: { code: string; message: string; logTail: string[] };
}

export interface DeploymentRecorder {
  update(deploymentId: string, patch: DeploymentPatch): Promise<void>;
}
