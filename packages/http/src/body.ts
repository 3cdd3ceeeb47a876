import { PierError, ValidationError } from "@pier/core";
import type { Context } from "hono";
import type { z } from "zod";
import { describeZodError } from "./error-response.ts";

/** Reads and validates a JSON body; anything malformed becomes a 400 that says what to send. */
export async function readBody<S extends z.ZodType>(
  c: Context,
  schema: S,
  options: { optional?: boolean } = {},
): Promise<z.infer<S>> {
  const text = await c.req.text();
  if (text.trim() !== "" && isFormContentType(c.req.header("content-type")))
    throw new PierError(
      "unsupported_media_type",
      "Request body must be JSON, sent with Content-Type: application/json (with curl: -H 'content-type: application/json').",
      415,
    );
  let raw: unknown;
  try {
    // An optional body may be left out entirely: that reads as `{}`, so its defaults apply.
    raw = options.optional && text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    throw new ValidationError("Request body must be valid JSON (Content-Type: application/json).");
  }
  // PostgreSQL text cannot hold NUL: refused here rather than failing as a 500 in the database.
  if (text.includes("\\u0000"))
    throw new ValidationError("Strings in the request body must not contain NUL characters (\\u0000).");
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new ValidationError(describeZodError(parsed.error), parsed.error.issues);
  return parsed.data;
}

export function readParam<S extends z.ZodType>(value: string, schema: S, what: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ValidationError(`${what}: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

/**
 * The content types an HTML form (or a no-cors fetch) of any other site can send without a CORS
 * preflight. A JSON body labelled as one of them is refused, so a cross-site form cannot drive a
 * route that is open to it (a login that plants the attacker's session, say).
 */
export function isFormContentType(header: string | undefined): boolean {
  const type = header?.split(";")[0]?.trim().toLowerCase();
  return (
    type === "text/plain" || type === "application/x-www-form-urlencoded" || type === "multipart/form-data"
  );
}
