import { z } from "zod";
import { scheduleSchema } from "./schedule.ts";

/**
 * Scheduled backups, as `PUT /api/v1/backups/settings` sets them (kept in the control plane's
 * settings under "backup"). The encryption key is referenced, never stored: a key file on the
 * server, or an environment variable of the pier process holding a passphrase.
 */
export const encryptionSettingSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("none") }),
  z.object({ kind: z.literal("key-file"), path: z.string().min(1).max(4096) }),
  z.object({
    kind: z.literal("passphrase-env"),
    name: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "an environment variable name, e.g. PIER_BACKUP_PASSPHRASE"),
  }),
]);
export type EncryptionSetting = z.infer<typeof encryptionSettingSchema>;

export const backupSettingsSchema = z.object({
  schedule: scheduleSchema,
  keep: z.number().int().min(1).max(10_000),
  /** A directory on the server or s3://bucket/prefix; null means <data-dir>/backups. */
  target: z.string().min(1).max(2048).nullable(),
  encryption: encryptionSettingSchema,
});
export type BackupSettings = z.infer<typeof backupSettingsSchema>;

export const defaultBackupSettings: BackupSettings = {
  schedule: "off",
  keep: 7,
  target: null,
  encryption: { kind: "none" },
};

/** What is stored: the settings and when the schedule was last changed (a new schedule does not fire for a past slot). */
export const storedBackupSettingsSchema = backupSettingsSchema.extend({ scheduleSetAt: z.iso.datetime() });
export type StoredBackupSettings = z.infer<typeof storedBackupSettingsSchema>;

export const backupSettingsPatchSchema = backupSettingsSchema.partial().strict();
export type BackupSettingsPatch = z.infer<typeof backupSettingsPatchSchema>;
