import { defineRoutes, timestamp } from "@pier/http/contract";
import { z } from "zod";
import { backupSettingsPatchSchema, encryptionSettingSchema } from "../settings.ts";

export const backupRunSchema = z.object({
  id: z.string(),
  trigger: z.enum(["schedule", "manual", "download"]),
  status: z.enum(["running", "succeeded", "failed"]),
  target: z.string(),
  archive: z.string().nullable(),
  bytes: z.number().nullable(),
  files: z.number().nullable(),
  encrypted: z.boolean(),
  error: z.string().nullable(),
  warnings: z.array(z.string()),
  startedAt: timestamp(),
  finishedAt: timestamp().nullable(),
  durationMs: z.number().nullable(),
});

export const backupSettingsViewSchema = z.object({
  schedule: z.string(),
  keep: z.number(),
  target: z.string().nullable(),
  /** Where archives go when target is null. */
  effectiveTarget: z.string(),
  encryption: encryptionSettingSchema,
  nextRunAt: timestamp().nullable(),
});

/** A download's encryption: a passphrase, or the contents of a key file (base64 of its 32 bytes). */
export const downloadBody = z.strictObject({
  encryption: z
    .union([
      z.strictObject({ passphrase: z.string().min(8, "a passphrase needs at least 8 characters") }),
      z.strictObject({ keyFile: z.string().min(1).max(200) }),
    ])
    .optional(),
});

/**
 * Backups of the whole pier: runs to the configured target (scheduled or now), archives streamed
 * to the caller, and the schedule. All admin: an archive holds every secret pier keeps.
 */
export const backupRoutes = defineRoutes({
  listPierBackups: {
    method: "GET",
    path: "/api/v1/backups",
    tag: "backups",
    access: "admin",
    summary: "Backup runs, newest first, with result, size and duration, and the schedule",
    response: z.object({ runs: z.array(backupRunSchema), settings: backupSettingsViewSchema }),
  },
  runPierBackup: {
    method: "POST",
    path: "/api/v1/backups",
    tag: "backups",
    access: "admin",
    summary:
      "Make a backup now to the configured target; answers NDJSON progress lines, the last one {type:done, run}",
    produces: "application/x-ndjson",
  },
  downloadPierBackup: {
    method: "POST",
    path: "/api/v1/backups/download",
    tag: "backups",
    access: "admin",
    summary: "Make a backup and stream the archive in the answer (nothing is kept on the server)",
    body: downloadBody,
    bodyOptional: true,
    produces: "application/octet-stream",
  },
  getPierBackupRun: {
    method: "GET",
    path: "/api/v1/backups/runs/:id",
    tag: "backups",
    access: "admin",
    summary: "One backup run",
    response: z.object({ run: backupRunSchema }),
  },
  getPierBackupSettings: {
    method: "GET",
    path: "/api/v1/backups/settings",
    tag: "backups",
    access: "admin",
    summary: "The backup schedule, retention, target and encryption key reference",
    response: z.object({ settings: backupSettingsViewSchema }),
  },
  updatePierBackupSettings: {
    method: "PUT",
    path: "/api/v1/backups/settings",
    tag: "backups",
    access: "admin",
    summary: 'Change the schedule ("daily 03:00"), keep, target (a server directory or s3://…) or encryption',
    body: backupSettingsPatchSchema,
    response: z.object({ settings: backupSettingsViewSchema }),
  },
});

/** One line of POST /api/v1/backups' answer. */
export type BackupProgressLine =
  | { type: "progress"; phase: string; member?: string; files: number; bytes: number; totalBytes?: number }
  | { type: "done"; run: z.output<typeof backupRunSchema> }
  | { type: "error"; message: string };
