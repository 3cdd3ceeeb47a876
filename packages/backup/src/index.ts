export { formatBytes, type Progress, type ProgressListener, throttled } from "./archive/progress.ts";
export { archiveKind, readArchive } from "./archive/read.ts";
export { fileSize, type RestoreOptions, type RestoreReport, restoreArchive } from "./archive/restore.ts";
export {
  describePlan,
  describeServicePlan,
  type RebuildPlan,
  rebuildPlan,
  relocateStaticRelease,
  type ServicePlan,
} from "./archive/restore-plan.ts";
export { type Snapshot, type SnapshotOptions, takeSnapshot } from "./archive/snapshot.ts";
export { archiveStream } from "./archive/write.ts";
export {
  BackupDamagedError,
  BackupKeyError,
  BackupRunningError,
  BackupTargetError,
  RestoreRefusedError,
} from "./errors.ts";
export { archiveName, parseArchiveName, selectPrunable } from "./format/archive-name.ts";
export { type EncryptionKey, newKeyFileText, parseKeyFile } from "./format/encryption.ts";
export { compareVersions, type Manifest, manifestTotals } from "./format/manifest.ts";
export { backupMigrations } from "./migrations.ts";
export { backupModule } from "./module.ts";
export { dueSlot, latestSlot, nextSlot, parseSchedule, type Schedule } from "./schedule.ts";
export { BackupService, encryptionKeyOf } from "./service.ts";
export { type BackupSettings, backupSettingsSchema, defaultBackupSettings } from "./settings.ts";
export {
  type BackupTarget,
  isS3Location,
  openArchive,
  openTarget,
  type StoredArchive,
} from "./targets/target.ts";
