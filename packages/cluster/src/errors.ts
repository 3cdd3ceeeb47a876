import { ConflictError, PierError } from "@pier/core";

/** The cluster API or a deploy asked for a cluster before `pier cluster init`. */
export class ClusterNotInitializedError extends PierError {
  constructor() {
    super(
      "cluster_not_initialized",
      "This pier runs no cluster: run `pier cluster init` on this machine first.",
      409,
    );
  }
}

export class NodeNotFoundError extends PierError {
  constructor(ref: string, known: string[]) {
    super(
      "not_found",
      `No cluster node "${ref}"${known.length ? ` (nodes: ${known.join(", ")})` : ""}: use a host name or id from pier cluster nodes.`,
      404,
    );
  }
}

/** The local Docker Engine's swarm state does not allow what was asked (a worker, not a manager…). */
export class SwarmStateError extends ConflictError {}

/** Registry settings or traffic that cannot work (name, credentials, an unreachable registry). */
export class RegistryError extends PierError {
  constructor(message: string, status = 502) {
    super("registry_error", message, status);
  }
}

/** No node may run a release: its placement, platforms or the nodes' state exclude all of them. */
export class UnplaceableError extends Error {
  readonly code = "UNPLACEABLE";
  constructor(message: string) {
    super(message);
    this.name = "UnplaceableError";
  }
}
