import { ValidationError } from "@pier/core";
import type { MiddlewareHandler } from "hono";

/**
 * PostgreSQL text cannot hold NUL, so a `%00` in a path or query would reach the database and fail
 * there as a 500; SQLite would store it. Refused up front, the same on both.
 */
export const rejectNulInUrl: MiddlewareHandler = async (c, next) => {
  if (/%00/.test(c.req.url)) throw new ValidationError("The URL must not contain NUL characters (%00).");
  await next();
};
