import type { z } from "zod";
import { latestSlot, nextSlot, parseSchedule } from "../schedule.ts";
import type { StoredBackupSettings } from "../settings.ts";
import type { BackupRunRow } from "../store.ts";
import type { backupRunSchema, backupSettingsViewSchema } from "./contract.ts";

export function runView(row: BackupRunRow): z.input<typeof backupRunSchema> {
  return {
    id: row.id,
    trigger: row.trigger,
    status: row.status,
    target: row.target,
    archive: row.archive,
    bytes: row.bytes,
    files: row.files,
    encrypted: row.encrypted,
    error: row.error,
    warnings: row.warnings,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    durationMs: row.finishedAt ? row.finishedAt.getTime() - row.startedAt.getTime() : null,
  };
}

export function settingsView(
  settings: StoredBackupSettings,
  defaultTarget: string,
  now = new Date(),
): z.input<typeof backupSettingsViewSchema> {
  const schedule = parseSchedule(settings.schedule) ?? { kind: "off" as const };
  const latest = latestSlot(schedule, now);
  return {
    schedule: settings.schedule,
    keep: settings.keep,
    target: settings.target,
    effectiveTarget: settings.target ?? defaultTarget,
    encryption: settings.encryption,
    nextRunAt: latest ? nextSlot(schedule, now) : null,
  };
}
