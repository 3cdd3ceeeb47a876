import type { Credentials, ServiceKind } from "./kinds.ts";

/**
 * The argument vectors pier runs in a service's container (never shell strings): health check,
 * shell client, dumps and restores. Pure. MySQL's tools are `mysql*`; MariaDB's official images
 * since 11 only ship the `mariadb*` names (Debian's 10.11 has both).
 */
const mysqlTools = (kind: ServiceKind) =>
  kind === "mysql"
    ? { client: "mysql", dump: "mysqldump", admin: "mysqladmin" }
    : { client: "mariadb", dump: "mariadb-dump", admin: "mariadb-admin" };

/** The container's environment: what the image initialises the data directory with. */
export function containerEnv(kind: ServiceKind, c: Credentials): Record<string, string> {
  switch (kind) {
    case "postgres":
      return { POSTGRES_USER: c.user, POSTGRES_PASSWORD: c.password, POSTGRES_DB: c.database };
    case "mysql":
    case "mariadb": {
      const prefix = kind === "mysql" ? "MYSQL" : "MARIADB";
      return {
        [`${prefix}_ROOT_PASSWORD`]: c.rootPassword,
        [`${prefix}_DATABASE`]: c.database,
        [`${prefix}_USER`]: c.user,
        [`${prefix}_PASSWORD`]: c.password,
        // The clients in the container (health check, dumps, `pier services connect`) log in as root.
        MYSQL_PWD: c.rootPassword,
      };
    }
    case "redis":
      // redis-cli in the container (health check, backups, connect) authenticates with it.
      return { REDISCLI_AUTH: c.password };
  }
}

/** The command, when the image's default is not enough. */
export function containerCommand(kind: ServiceKind, c: Credentials): string[] | undefined {
  if (kind === "redis") {
    // AOF (fsync every second) so a crash loses at most a second of writes, not minutes.
    // DEBUG RELOAD from inside the container is how a restore loads an RDB without a restart (a
    // new container would get a new address, which clients that cache DNS keep dialling).
    return [
      "redis-server",
      "--requirepass",
      c.password,
      "--appendonly",
      "yes",
      "--dir",
      "/data",
      "--enable-debug-command",
      "local",
    ];
  }
  if (kind === "mariadb") return ["mariadbd"];
  return undefined;
}

export function healthCommand(kind: ServiceKind, c: Credentials): string[] {
  switch (kind) {
    case "postgres":
      return ["pg_isready", "-q", "-h", "127.0.0.1", "-U", c.user, "-d", c.database];
    case "mysql":
    case "mariadb":
      return [mysqlTools(kind).admin, "ping", "-h", "127.0.0.1", "-uroot", "--silent"];
    case "redis":
      return ["redis-cli", "ping"];
  }
}

/** The interactive client `pier services connect` opens in the container. */
export function clientCommand(kind: ServiceKind, c: Credentials): string[] {
  switch (kind) {
    case "postgres":
      return ["psql", "-U", c.user, "-d", c.database];
    case "mysql":
    case "mariadb":
      return [mysqlTools(kind).client, "-uroot", c.database];
    case "redis":
      return ["redis-cli"];
  }
}

/** A logical dump written to stdout (PostgreSQL's custom format is compressed already). */
export function dumpCommand(kind: Exclude<ServiceKind, "redis">, c: Credentials): string[] {
  if (kind === "postgres") return ["pg_dump", "-U", c.user, "-d", c.database, "-Fc", "-Z", "0"];
  return [
    mysqlTools(kind).dump,
    "-uroot",
    "--single-transaction",
    "--quick",
    "--routines",
    "--triggers",
    "--events",
    "--add-drop-table",
    c.database,
  ];
}

/** Reads a dump on stdin into `database`. */
export function restoreCommand(
  kind: Exclude<ServiceKind, "redis">,
  c: Credentials,
  database: string,
): string[] {
  if (kind === "postgres")
    return [
      "pg_restore",
      "-U",
      c.user,
      "-d",
      database,
      "--no-owner",
      "--exit-on-error",
      "--single-transaction",
    ];
  return [mysqlTools(kind).client, "-uroot", database];
}

/** psql running one statement as the service's superuser, connected to the maintenance database. */
export function psql(c: Credentials, sql: string, database = "postgres"): string[] {
  return ["psql", "-U", c.user, "-d", database, "-v", "ON_ERROR_STOP=1", "-qAtc", sql];
}

export function mysqlStatement(kind: ServiceKind, sql: string): string[] {
  return [mysqlTools(kind).client, "-uroot", "-e", sql];
}

/** `"name"`: identifiers pier generates are [a-z0-9_], quoting keeps reserved words working. */
export const pgIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;
export const mysqlIdent = (name: string) => `\`${name.replaceAll("`", "``")}\``;
