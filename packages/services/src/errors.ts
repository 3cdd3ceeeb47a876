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
