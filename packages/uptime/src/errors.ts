import { ConflictError, NotFoundError, ValidationError } from "@pier/core";

export class MonitorNotFoundError extends NotFoundError {
  constructor(name: string) {
    super("Monitor", name);
  }
}

export class StatusPageNotFoundError extends NotFoundError {
  constructor(slug: string) {
    super("Status page", slug);
  }
}

export class MonitorNameTakenError extends ConflictError {
  constructor(name: string) {
    super(`A monitor named "${name}" exists already; pick another name or update that one.`);
  }
}

export class IntervalTooShortError extends ValidationError {
  constructor(seconds: number, minimum: number) {
    super(`intervalSeconds: ${seconds} is below the minimum of ${minimum} seconds.`);
  }
}
