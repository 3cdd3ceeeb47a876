import type { z } from "zod";
import { serviceVolumeName } from "./docker/names.ts";
import type { ContainerState } from "./docker/service-containers.ts";
import type { backupSchema, serviceSchema } from "./http/views.ts";
import { kindSpec, type ServiceKind } from "./kinds.ts";
import { nextRun, parseSchedule } from "./schedule.ts";
import type { BackupRow, LinkRow, ServiceRow } from "./store.ts";

export type ServiceView = z.input<typeof serviceSchema>;
export type BackupView = z.input<typeof backupSchema>;

export function backupView(row: BackupRow): BackupView {
  return {
    id: row.id,
    service: row.serviceName,
    kind: row.kind,
    version: row.version,
    source: row.source as BackupView["source"],
    volume: row.volume,
    app: row.appName,
    format: row.format,
    location: row.location,
    status: row.status as BackupView["status"],
    trigger: row.trigger as BackupView["trigger"],
    sizeBytes: row.sizeBytes,
    rawBytes: row.rawBytes,
    sha256: row.sha256,
    encrypted: row.encrypted,
    error: row.error,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    durationMs: row.finishedAt ? row.finishedAt.getTime() - row.startedAt.getTime() : null,
  };
}

export function serviceView(
  row: ServiceRow,
  state: ContainerState | null,
  links: LinkRow[],
  lastBackup: BackupRow | undefined,
  lastRun: Date | null,
): ServiceView {
  const schedule = row.backupSchedule ? parseSchedule(row.backupSchedule) : null;
  return {
    id: row.id,
    name: row.name,
    kind: row.kind as ServiceKind,
    version: row.version,
    image: row.image,
    memoryBytes: row.memoryBytes,
    status: row.status,
    health: state?.health ?? "unknown",
    restartCount: state?.restartCount ?? 0,
    startedAt: state?.startedAt ?? null,
    host: row.name,
    port: kindSpec(row.kind as ServiceKind).port,
    volume: serviceVolumeName(row.name),
    backup: {
      schedule: row.backupSchedule,
      keep: row.backupKeep,
      target: row.backupTarget ?? "local",
      encrypt: row.backupEncrypt,
      nextRunAt: schedule ? nextRun(schedule, new Date(), lastRun) : null,
    },
    links: links.map((l) => ({ app: l.appName, envVar: l.envVar, previews: Object.keys(l.previews) })),
    lastBackup: lastBackup ? backupView(lastBackup) : null,
    lastError: row.lastError,
    createdAt: row.createdAt,
  };
}
