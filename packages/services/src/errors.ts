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
 * What on this Engine is another pier's (a service's container or volume, an app's network): most
 * often the pier this one was restored from, still running beside it. Touching it would change
 * that pier's live data; an app started with it would use that pier's live database.
 */
export class ServiceElsewhereError extends PierError {
  /** An operation on the service itself (start, restart, backup, restore, connect, purge). */
  static forService(service: string, what: string, other: string, ours: string): ServiceElsewhereError {
    return new ServiceElsewhereError(
      `${what} on this Docker Engine belongs to ${whose(other, ours)}, so this pier leaves it alone. Work on ${service} from that pier; or run this pier on another machine and pier services restore ${service} BACKUP there; or forget the service here with pier services delete ${service} (without --purge: the other pier's container and data stay).`,
    );
  }

  /** A deploy (or restart) of an app linked to the service: its env would point at the other pier's. */
  static forLinkedApp(
    app: string,
    service: string,
    what: string,
    other: string,
    ours: string,
  ): ServiceElsewhereError {
    return new ServiceElsewhereError(
      `The service ${service}'s ${what} on this Docker Engine belongs to ${whose(other, ours)}; ${app} cannot be started with it here: run this pier on another machine, or unlink the service (pier services unlink ${service} --app ${app}) and create a new one.`,
    );
  }

  /** The app's network (`pier-app-APP`) is another pier's app of the same name. */
  static forAppNetwork(app: string, network: string, other: string, ours: string): ServiceElsewhereError {
    return new ServiceElsewhereError(
      `The network ${network} on this Docker Engine belongs to ${whose(other, ours)}, whose app ${app} shares it with its services; this pier's ${app} cannot join it: run this pier on another machine.`,
    );
  }

  private constructor(message: string) {
    super("service_elsewhere", message, 409);
  }
}

function whose(other: string, ours: string): string {
  return other === "unknown"
    ? "another pier (this one did not create it; it may be the pier this one was restored from)"
    : `another pier (instance ${other}; this one is ${ours}), e.g. the one this pier was restored from`;
}
