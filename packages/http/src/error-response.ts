import { PierError } from "@pier/core";
import { StorageFullError, storageFullIn } from "@pier/db";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ZodError } from "zod";

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export interface ErrorResponseOptions {
  /** pier's data dir, named in the 507 a full disk answers with (and checked after a disk I/O error). */
  dataDir?: string;
}

/** The one place errors become HTTP answers: every 4xx/5xx body is `{error:{code,message}}`. */
export function errorResponse(
  c: Context,
  error: unknown,
  log: (e: unknown) => void,
  options: ErrorResponseOptions = {},
): Response {
  // A write that found the disk full is no bug: 507 says what to free, and the next write succeeds.
  const full = error instanceof PierError ? null : storageFullIn(error, options);
  if (full) {
    log(error);
    error = new StorageFullError(full, options.dataDir);
  }
  if (error instanceof PierError) {
    const headers: Record<string, string> = {};
    if ("retryAfterSeconds" in error) headers["Retry-After"] = String(error.retryAfterSeconds);
    const body: ErrorBody = { error: { code: error.code, message: error.message } };
    if (error.details !== undefined) body.error.details = error.details;
    return c.json(body, error.status as ContentfulStatusCode, headers);
  }
  if (error instanceof ZodError) {
    return c.json(
      { error: { code: "invalid_request", message: describeZodError(error), details: error.issues } },
      400,
    );
  }
  log(error);
  return c.json(
    {
      error: {
        code: "internal_error",
        message: "Something went wrong inside pier; the server log has details.",
      },
    },
    500,
  );
}

const typeNames: Record<string, string> = {
  number: "a number",
  int: "a whole number",
  string: "text",
  boolean: "true or false",
  object: "an object",
  array: "a list",
};

/**
 * zod's own wording for a value of the wrong type ("Invalid input: expected number, received NaN")
 * names its internals; the caller needs what to send. Messages a schema chose are kept.
 */
function issueMessage(issue: ZodError["issues"][number]): string {
  if (issue.code === "invalid_type" && issue.message.startsWith("Invalid input: expected")) {
    const wanted = typeNames[issue.expected];
    if (wanted) return `must be ${wanted}`;
  }
  return issue.message;
}

export function describeZodError(error: ZodError): string {
  return error.issues
    .map((issue) =>
      issue.path.length ? `${issue.path.join(".")}: ${issueMessage(issue)}` : issueMessage(issue),
    )
    .join("; ");
}
