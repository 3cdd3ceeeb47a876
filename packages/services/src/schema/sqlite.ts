import { sqliteColumns } from "@pier/db";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

// Epoch milliseconds here, timestamptz in pg.ts; both read back as Date.
const { bigint, boolean, createdAt, id, json, timestamp } = sqliteColumns;

/** A managed database or cache: one container, one named volume, sealed credentials. */
export const services = sqliteTable("services", {
  id: id(),
  name: text("name").notNull().unique(),
  kind: text("kind").notNull(),
  version: text("version").notNull(),
  image: text("image").notNull(),
  /** Memory cap in bytes (swap included); null for none. */
  memoryBytes: bigint("memory_bytes"),
  /** JSON Credentials sealed with the data dir's secret key. */
  credentialsSealed: text("credentials_sealed").notNull(),
  /** What pier last did to it: running, stopped (by pier), failed (creation failed). */
  status: text("status").notNull().default("running"),
  /** "daily 03:00", "hourly", "every 6h"; null for on demand only. */
  backupSchedule: text("backup_schedule"),
  backupKeep: integer("backup_keep").notNull().default(7),
  /** null: the data dir; "s3://bucket/prefix" otherwise. */
  backupTarget: text("backup_target"),
  backupEncrypt: boolean("backup_encrypt").notNull().default(false),
  lastError: text("last_error"),
  /**
   * The pier (instance id) that created it; rows from before pier recorded it got the id of the pier
   * that first started after the upgrade. Its containers made before they carried
   * `pier.service.instance` are that pier's only: a restored copy on the same Engine never takes them.
   */
  createdByInstance: text("created_by_instance"),
  createdAt: createdAt(),
  updatedAt: timestamp("updated_at"),
});

/** A service's connection URL in an app's environment, under `envVar`. */
export const serviceLinks = sqliteTable(
  "service_links",
  {
    id: id(),
    serviceId: text("service_id").notNull(),
    appId: text("app_id").notNull(),
    appName: text("app_name").notNull(),
    envVar: text("env_var").notNull(),
    /** Preview environment name -> its own database (or Redis database number). */
    previews: json<Record<string, string>>("previews").notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("service_links_service_app").on(t.serviceId, t.appId),
    index("service_links_app").on(t.appId),
  ],
);

/** One backup (logical dump or volume snapshot) and where it is stored. */
export const serviceBackups = sqliteTable(
  "service_backups",
  {
    id: id(),
    /** null once the service is deleted: its backups stay restorable into a new one. */
    serviceId: text("service_id"),
    serviceName: text("service_name").notNull(),
    kind: text("kind").notNull(),
    version: text("version").notNull(),
    /** "service" (a dump of the database) or "volume" (a tar of a named volume). */
    source: text("source").notNull(),
    /** The volume of a snapshot; for an app volume, the app too. */
    volume: text("volume"),
    appName: text("app_name"),
    format: text("format").notNull(),
    /** `file:/abs/path` or `s3://bucket/key`. */
    location: text("location").notNull(),
    status: text("status").notNull(),
    trigger: text("trigger").notNull(),
    sizeBytes: bigint("size_bytes"),
    rawBytes: bigint("raw_bytes"),
    sha256: text("sha256"),
    encrypted: boolean("encrypted").notNull().default(false),
    /** The backup's own key, sealed with the data dir's secret key. */
    keySealed: text("key_sealed"),
    error: text("error"),
    startedAt: timestamp("started_at").notNull(),
    finishedAt: timestamp("finished_at"),
  },
  (t) => [index("service_backups_service").on(t.serviceName, t.startedAt)],
);
