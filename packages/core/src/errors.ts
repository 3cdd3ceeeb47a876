/**
 * Every error a user can see is a PierError: a stable machine code, an HTTP status for the API
 * and a message that says what to do next. The API maps them to `{error:{code,message}}` in one place.
 */
export class PierError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details?: unknown;

  constructor(code: string, message: string, status = 500, details?: unknown) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

export class ValidationError extends PierError {
  constructor(message: string, details?: unknown) {
    super("invalid_request", message, 400, details);
  }
}

export class UnauthorizedError extends PierError {
  constructor(message = "Missing or invalid credentials: send `Authorization: Bearer TOKEN` or log in.") {
    super("unauthorized", message, 401);
  }
}

export class ForbiddenError extends PierError {
  constructor(message: string) {
    super("forbidden", message, 403);
  }
}

export class NotFoundError extends PierError {
  constructor(what: string, name: string) {
    super("not_found", `${what} "${name}" does not exist.`, 404);
  }
}

export class ConflictError extends PierError {
  constructor(message: string) {
    super("conflict", message, 409);
  }
}

export class RateLimitedError extends PierError {
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super("rate_limited", message, 429);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
