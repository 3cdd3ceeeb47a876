/** Base of every error this package throws: a stable `code` for the API and an actionable message. */
export class DeployError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class PierTomlError extends DeployError {
  constructor(
    message: string,
    /** Dotted field path, e.g. `health.interval`; empty for syntax errors. */
    readonly field: string,
    /** 1-based line in pier.toml when it could be located. */
    readonly line?: number,
  ) {
    super("PIER_TOML_INVALID", message);
  }
}

export class BuildPlanError extends DeployError {
  constructor(message: string) {
    super("BUILD_PLAN_UNDETECTED", message);
  }
}

export class ImageBuildError extends DeployError {
  constructor(
    message: string,
    readonly logTail: string[],
  ) {
    super("IMAGE_BUILD_FAILED", message);
  }
}

/**
 * The replica's process exited before it could be probed (Docker then publishes no port). The
 * same failure as a crash during health checks, only earlier: it carries the container's last log
 * lines, read before the container was removed.
 */
export class ReplicaExitedError extends DeployError {
  constructor(
    readonly exitCode: number | null,
    readonly logTail: string[],
  ) {
    super("REPLICA_EXITED", `container exited with code ${exitCode ?? "unknown"} right after it started`);
  }
}

export class BuildContextError extends DeployError {
  constructor(message: string) {
    super("BUILD_CONTEXT_FAILED", message);
  }
}

export type DeployFailureReason =
  | "REPLICA_START_FAILED"
  | "HEALTH_CHECK_FAILED"
  | "ROUTE_SWAP_FAILED"
  | "RELEASE_COMMAND_FAILED"
  | "DEPLOY_CANCELLED";

/** A rollout that did not go live; the previous release keeps serving. */
export class DeployFailedError extends DeployError {
  constructor(
    readonly reason: DeployFailureReason,
    message: string,
    /** Last log lines of the replica that failed, newest last. */
    readonly logTail: string[] = [],
  ) {
    super(reason, message);
  }
}
