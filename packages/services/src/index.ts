export { ArchiveCorruptError, readArchive, sha256Of, writeArchive } from "./backup/archive.ts";
export {
  BackupNotFoundError,
  BackupUnusableError,
  DockerUnavailableError,
  ServiceNameTakenError,
  ServiceNotFoundError,
  ServiceStartError,
  UnsupportedVersionError,
} from "./errors.ts";
export {
  type Credentials,
  compareVersions,
  type KindSpec,
  kindSpec,
  type ServiceKind,
  serviceKinds,
  serviceNameSchema,
  upgradeDecision,
  versionSeries,
} from "./kinds.ts";
export { connectionUrl, type PreviewDatabase, previewDatabaseSchema } from "./links.ts";
export { servicesMigrations } from "./migrations.ts";
export { servicesModule } from "./module.ts";
export { nextRun, parseSchedule, type Schedule } from "./schedule.ts";
export { serviceImage } from "./settings.ts";
