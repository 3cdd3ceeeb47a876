import { appNameSchema } from "@pier/http/contract";
import { z } from "zod";
import { envNameSchema, serviceKindSchema, serviceNameSchema } from "../kinds.ts";
import { scheduleSchema } from "../schedule.ts";

const memory = z
  .string()
  .regex(/^(\d+(\.\d+)?[kmgKMG]?[bB]?|none)$/, 'memory must look like "512m", "1g" or "none"');
const version = z
  .string()
  .regex(/^\d{1,3}(\.\d{1,3}){0,2}$/, 'version must look like "16", "16.4" or "10.11"');
const target = z
  .string()
  .regex(
    /^(local|s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/\S*)?)$/,
    'backup target must be "local" or s3://BUCKET[/PREFIX]',
  );

const backupSettings = z.strictObject({
  /** null turns scheduled backups off. */
  schedule: scheduleSchema.nullable().optional(),
  keep: z.int().min(1).max(1000).optional(),
  target: target.optional(),
  encrypt: z.boolean().optional(),
});

export const createServiceBody = z.strictObject({
  name: serviceNameSchema,
  kind: serviceKindSchema,
  version: version.optional(),
  memory: memory.optional(),
  backup: backupSettings.optional(),
});
export type CreateServiceInput = z.infer<typeof createServiceBody>;

export const updateServiceBody = z.strictObject({
  version: version.optional(),
  memory: memory.optional(),
  backup: backupSettings.optional(),
});
export type UpdateServiceInput = z.infer<typeof updateServiceBody>;

export const deleteServiceQuery = z.object({
  /** The service's name again: deleting is not undone. */
  confirm: z.string(),
  purge: z.enum(["true", "false", "1", "0"]).optional(),
});

export const linkBody = z.strictObject({
  app: appNameSchema,
  /** The variable the URL goes into (default DATABASE_URL, REDIS_URL for Redis). */
  envVar: envNameSchema.optional(),
});

export const backupBody = z.strictObject({
  /** A tar of the volume (the service is stopped meanwhile) instead of a logical dump. */
  snapshot: z.boolean().default(false),
});

export const restoreBody = z.strictObject({
  backup: z.string().min(1),
  /** Restore into a new service of this name instead (same kind; the version may be newer). */
  to: serviceNameSchema.optional(),
  version: version.optional(),
});

export const logsQuery = z.object({ tail: z.coerce.number().int().min(1).max(10_000).default(200) });

export const exposeBody = z.strictObject({
  /** Loopback only: this is for a tool on the server (or an SSH tunnel to it). */
  address: z
    .string()
    .regex(
      /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost):\d{1,5}$/,
      "expose on a loopback address: 127.0.0.1:PORT",
    ),
  minutes: z
    .int()
    .min(1)
    .max(24 * 60)
    .default(60),
});

export const volumeBackupBody = z.strictObject({});
export const volumeRestoreBody = z.strictObject({ backup: z.string().min(1) });

/** `pier services connect`: a terminal or plain pipes, and the terminal's size. */
export const terminalQuery = z.object({
  tty: z.enum(["0", "1"]).default("0"),
  cols: z.coerce.number().int().min(1).max(1000).optional(),
  rows: z.coerce.number().int().min(1).max(1000).optional(),
});
