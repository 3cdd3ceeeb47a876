import { z } from "zod";
import { type Credentials, kindSpec, type ServiceKind, sqlIdentifier } from "./kinds.ts";

/** `[preview] database` in pier.toml: what a preview environment of a linked app gets. */
export const previewDatabaseSchema = z.enum(["shared", "empty", "copy"]);
export type PreviewDatabase = z.infer<typeof previewDatabaseSchema>;

/**
 * The URL an app connects with. `host` is the service name: on the app's network the service's
 * container answers to it. Pure.
 */
export function connectionUrl(
  kind: ServiceKind,
  credentials: Credentials,
  host: string,
  database: string = credentials.database,
  port: number = kindSpec(kind).port,
): string {
  const spec = kindSpec(kind);
  const password = encodeURIComponent(credentials.password);
  if (kind === "redis")
    return `redis://:${password}@${host}:${port}/${database === credentials.database ? "0" : database}`;
  return `${spec.scheme}://${encodeURIComponent(credentials.user)}:${password}@${host}:${port}/${database}`;
}

/**
 * The database a preview environment gets of its own (`empty` or `copy`): the service's database
 * with the environment's slug, within PostgreSQL's 63 characters; for Redis, a database number
 * 1-15 not taken by another preview of the same link.
 */
export function previewDatabaseName(
  kind: ServiceKind,
  credentials: Credentials,
  environment: string,
  taken: Record<string, string>,
): string {
  if (taken[environment]) return taken[environment];
  if (kind === "redis") {
    const used = new Set(Object.values(taken));
    for (let n = 1; n <= 15; n++) if (!used.has(String(n))) return String(n);
    throw new Error("every Redis database (1-15) is taken by a preview; delete a preview first");
  }
  const suffix = `_${sqlIdentifier(environment)}`.slice(0, 30);
  return `${credentials.database.slice(0, 63 - suffix.length)}${suffix}`;
}
