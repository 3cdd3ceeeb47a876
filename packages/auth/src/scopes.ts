// Pure: the API contract (and so the dashboard) imports the scope names from here.
import { z } from "zod";

export const scopeSchema = z.enum(["admin", "write", "deploy", "read"]);
export type Scope = z.infer<typeof scopeSchema>;

/** What each scope also grants: admin is everything, write covers deploys and reads. */
const implied: Record<Scope, Scope[]> = {
  admin: ["admin", "write", "deploy", "read"],
  write: ["write", "deploy", "read"],
  deploy: ["deploy", "read"],
  read: ["read"],
};

export function hasScope(granted: readonly Scope[], needed: Scope): boolean {
  return granted.some((scope) => implied[scope].includes(needed));
}
