import { timestamp } from "@pier/http/contract";
import { z } from "zod";

// The answers of the services API (presenters.ts builds them).

export const backupSchema = z.object({
  id: z.string(),
  service: z.string(),
  kind: z.string(),
  version: z.string(),
  /** "service": a dump of the database; "volume": a tar of a volume. */
  source: z.enum(["service", "volume"]),
  volume: z.string().nullable(),
  app: z.string().nullable(),
  format: z.string(),
  location: z.string(),
  status: z.enum(["running", "ok", "failed"]),
  trigger: z.enum(["manual", "schedule", "restore"]),
  sizeBytes: z.number().nullable(),
  rawBytes: z.number().nullable(),
  sha256: z.string().nullable(),
  encrypted: z.boolean(),
  error: z.string().nullable(),
  startedAt: timestamp(),
  finishedAt: timestamp().nullable(),
  durationMs: z.number().nullable(),
});

export const linkSchema = z.object({ app: z.string(), envVar: z.string(), previews: z.array(z.string()) });

export const serviceSchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.enum(["postgres", "mysql", "mariadb", "redis"]),
  version: z.string(),
  image: z.string(),
  memoryBytes: z.number().nullable(),
  /** What pier last did: running, stopped. */
  status: z.string(),
  /** What Docker sees now. */
  health: z.enum(["healthy", "starting", "unhealthy", "stopped", "missing", "unknown"]),
  restartCount: z.number().int(),
  startedAt: z.string().nullable(),
  /** Where apps reach it: the service name on each linked app's network. */
  host: z.string(),
  port: z.number().int(),
  volume: z.string(),
  backup: z.object({
    schedule: z.string().nullable(),
    keep: z.number().int(),
    target: z.string(),
    encrypt: z.boolean(),
    nextRunAt: timestamp().nullable(),
  }),
  links: z.array(linkSchema),
  lastBackup: backupSchema.nullable(),
  lastError: z.string().nullable(),
  createdAt: timestamp(),
});

export const volumeSchema = z.object({
  app: z.string(),
  name: z.string(),
  /** The Docker volume. */
  volume: z.string(),
  createdAt: z.string().nullable(),
});
