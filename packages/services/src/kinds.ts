import { z } from "zod";

/**
 * What each kind of service is, as data: image, port, data path, the container's environment and
 * command, its health check, its connection URL, its shell client and its backup and restore
 * commands. Everything here is pure; Docker I/O lives in docker/.
 */
export const serviceKinds = ["postgres", "mysql", "mariadb", "redis"] as const;
export const serviceKindSchema = z.enum(serviceKinds, {
  error: () => `kind must be one of ${serviceKinds.join(", ")}`,
});
export type ServiceKind = z.infer<typeof serviceKindSchema>;

/** Generated at creation, stored sealed; what the container is initialised with. */
export interface Credentials {
  user: string;
  password: string;
  database: string;
  /** MySQL/MariaDB root; the same as password elsewhere. */
  rootPassword: string;
}

/** How a logical backup is taken and given back. */
export type BackupFormat = "pg_dump" | "sql" | "rdb" | "tar";

export interface KindSpec {
  kind: ServiceKind;
  label: string;
  /** Majors pier knows (a version is `MAJOR` or `MAJOR.MINOR[.PATCH]`, its series decides). */
  series: string[];
  defaultVersion: string;
  /** The official image on Docker Hub; the tag is the version. */
  officialImage: string;
  port: number;
  /** Where the data lives in the container: the volume is mounted there. */
  dataPath: string;
  /** The URL scheme apps get; the env var a link sets unless told otherwise. */
  scheme: string;
  linkVar: string;
  defaultMemory: string;
  /** Signal that stops the server cleanly and fast. */
  stopSignal?: string;
  backupFormat: BackupFormat;
}

const specs: Record<ServiceKind, KindSpec> = {
  postgres: {
    kind: "postgres",
    label: "PostgreSQL",
    series: ["13", "14", "15", "16", "17", "18"],
    defaultVersion: "16",
    officialImage: "postgres",
    port: 5432,
    dataPath: "/var/lib/postgresql/data",
    scheme: "postgres",
    linkVar: "DATABASE_URL",
    defaultMemory: "512m",
    // SIGINT is PostgreSQL's "fast" shutdown; SIGTERM waits for every client to disconnect.
    stopSignal: "SIGINT",
    backupFormat: "pg_dump",
  },
  mysql: {
    kind: "mysql",
    label: "MySQL",
    series: ["8.0", "8.4", "9"],
    defaultVersion: "8.4",
    officialImage: "mysql",
    port: 3306,
    dataPath: "/var/lib/mysql",
    scheme: "mysql",
    linkVar: "DATABASE_URL",
    defaultMemory: "512m",
    backupFormat: "sql",
  },
  mariadb: {
    kind: "mariadb",
    label: "MariaDB",
    series: ["10.6", "10.11", "11", "11.4", "11.8"],
    defaultVersion: "11",
    officialImage: "mariadb",
    port: 3306,
    dataPath: "/var/lib/mysql",
    scheme: "mysql",
    linkVar: "DATABASE_URL",
    defaultMemory: "512m",
    backupFormat: "sql",
  },
  redis: {
    kind: "redis",
    label: "Redis",
    series: ["6", "7", "8"],
    defaultVersion: "7",
    officialImage: "redis",
    port: 6379,
    dataPath: "/data",
    scheme: "redis",
    linkVar: "REDIS_URL",
    defaultMemory: "256m",
    backupFormat: "rdb",
  },
};

export function kindSpec(kind: ServiceKind): KindSpec {
  return specs[kind];
}

const versionPattern = /^\d{1,3}(\.\d{1,3}){0,2}$/;

/**
 * The series a version belongs to (`16.4` -> `16`, `10.11.6` -> `10.11`, `11.4.2` -> `11.4`), or
 * null for a version pier does not know. The longest known series that prefixes it wins, so
 * MariaDB `11.4.2` is `11.4` while `11.2` is `11`.
 */
export function versionSeries(kind: ServiceKind, version: string): string | null {
  if (!versionPattern.test(version)) return null;
  const parts = version.split(".");
  const known = specs[kind].series;
  for (let n = Math.min(parts.length, 2); n >= 1; n--) {
    const candidate = parts.slice(0, n).join(".");
    if (known.includes(candidate)) return candidate;
  }
  return null;
}

/** Compares dotted versions numerically: <0, 0, >0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export type UpgradeDecision =
  | { ok: true; recreate: boolean }
  | { ok: false; reason: "downgrade" | "major"; message: string };

/**
 * Whether a service may move from one version to another on the same volume. Within a series
 * (PostgreSQL 16.2 -> 16.4, MariaDB 10.11.x) the data files are the same format: the container
 * is recreated on the same volume. PostgreSQL and MySQL/MariaDB across series need a dump and a
 * restore (pg_upgrade needs both versions' binaries side by side); Redis reads older RDB/AOF files,
 * so it may go up. Nothing goes down.
 */
export function upgradeDecision(kind: ServiceKind, from: string, to: string, name: string): UpgradeDecision {
  if (from === to) return { ok: true, recreate: false };
  if (compareVersions(to, from) < 0) {
    return {
      ok: false,
      reason: "downgrade",
      message: `${name} runs ${specs[kind].label} ${from}; going down to ${to} is not supported (the data files may not be readable). Restore a backup into a new service instead: pier services restore ${name} BACKUP --to NEW_NAME --version ${to}.`,
    };
  }
  const sameSeries = versionSeries(kind, from) === versionSeries(kind, to);
  if (sameSeries || kind === "redis") return { ok: true, recreate: true };
  return {
    ok: false,
    reason: "major",
    message: `${name} runs ${specs[kind].label} ${from}; ${to} is a new major version whose data files ${specs[kind].label} ${from} wrote cannot be used as they are. Upgrade through a dump and restore: pier services backup ${name}, then pier services restore ${name} BACKUP --to NEW_NAME --version ${to}, link the new service and delete the old one.`,
  };
}

/** The env var names a link may set: what a shell and Docker accept. */
export const envNameSchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "env var names are letters, digits and _, not starting with a digit");

/** Service names become Docker names and DNS aliases on the app's network (`postgres://…@NAME:5432`). */
export const serviceNameSchema = z
  .string()
  .min(1, "service name is required")
  .max(40, "service name must be at most 40 characters")
  .regex(
    /^[a-z](?:[a-z0-9-]*[a-z0-9])?$/,
    "service name must be lowercase letters, digits and dashes, starting with a letter (e.g. shop-db)",
  );

/** The database and user names pier picks for a service: its name with `_` for `-`. */
export function sqlIdentifier(name: string): string {
  return name.replaceAll("-", "_");
}
