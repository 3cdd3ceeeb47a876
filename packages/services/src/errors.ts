import { ConflictError, NotFoundError, PierError, ValidationError } from "@pier/core";

export class ServiceNotFoundError extends NotFoundError {
  constructor(name: string) {
    super("Service", name);
  }
}

export class ServiceNameTakenError extends ConflictError {
  constructor(name: string, what = "A service") {
    super(`${what} named "${name}" exists already; pick another name (pier services list shows them).`);
  }
}

export class UnsupportedVersionError extends ValidationError {
  constructor(label: string, version: string, series: string[]) {
    super(
      `${label} ${version} is not a version pier knows; use one of ${series.join(", ")} (or a minor release of one, e.g. ${series.at(-1)}.1).`,
    );
  }
}

export class BackupNotFoundError extends NotFoundError {
  constructor(id: string) {
    super("Backup", id);
  }
}

/** A backup that cannot go where it was asked to (another kind, not finished, damaged). */
export class BackupUnusableError extends PierError {
  constructor(message: string) {
    super("backup_unusable", message, 422);
  }
}

export class ServiceStartError extends PierError {
  constructor(message: string) {
    super("service_start_failed", message, 502);
  }
}

export class DockerUnavailableError extends PierError {
  constructor() {
    super(
      "docker_unavailable",
      "The Docker Engine is not reachable (/var/run/docker.sock or DOCKER_HOST): start dockerd; services run as containers.",
      503,
    );
  }
}

/**
 * The service's container or volume on this Engine is another pier's: most often the pier this one
 * was restored from, still running beside it. Touching it would change that pier's live data.
 */
export class ServiceElsewhereError extends PierError {
  constructor(service: string, what: string, other: string, ours: string) {
    const whose =
      other === "unknown"
        ? "another pier (this one did not create it; it may be the pier this one was restored from)"
        : `another pier (instance ${other}; this one is ${ours}), e.g. the one this pier was restored from`;
    super(
      "service_elsewhere",
      `${what} on this Docker Engine belongs to ${whose}, so this pier leaves it alone. Work on ${service} from that pier; or run this pier on another machine and pier services restore ${service} BACKUP there; or forget the service here with pier services delete ${service} (without --purge: the other pier's container and data stay).`,
      409,
    );
  }
}
