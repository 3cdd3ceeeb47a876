// Column helpers for package schemas, one module per dialect (see README.md, "Adding a table").
export * as pgColumns from "./columns/pg.ts";
export * as sqliteColumns from "./columns/sqlite.ts";
export { hasRows } from "./has-rows.ts";
export { type HeldLease, type HoldLeaseOptions, holdLease } from "./lease.ts";
export {
  type EmbeddedMigration,
  MigrationFailedError,
  pendingMigrations,
  splitStatements,
} from "./migrate.ts";
export type { MigrationSet } from "./open.ts";
export {
  type Database,
  type Db,
  isUniqueViolation,
  type OpenDatabaseOptions,
  openDatabase,
  type Tables,
} from "./open.ts";
export { schemaShape } from "./schema-shape.ts";
export {
  isStorageFull,
  StorageFullError,
  type StorageFullOptions,
  type StorageFullWhere,
  storageFullIn,
  storageFullMessage,
} from "./storage-full.ts";
export type { AppRow } from "./stores/apps.ts";
export type { DeploymentRow, NewDeployment } from "./stores/deployments.ts";
export type { DomainRow } from "./stores/domains.ts";
export type { EnvVarRow } from "./stores/env-vars.ts";
export type { EnvironmentRow } from "./stores/environments.ts";
export { createStores, type Stores } from "./stores/index.ts";
export type { LeaseRow, LeaseStore } from "./stores/leases.ts";
export type { RequestMetricRow } from "./stores/request-metrics.ts";
export type { RouteRow } from "./stores/routes.ts";
export type { ApiTokenRow } from "./stores/tokens.ts";
export type { UserRow } from "./stores/users.ts";
