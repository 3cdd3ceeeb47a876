import type { Readable } from "node:stream";
import type Docker from "dockerode";
import { dumpCommand, mysqlIdent, mysqlStatement, pgIdent, psql, restoreCommand } from "../commands.ts";
import { execChecked, execOutput } from "../docker/exec.ts";
import type { Credentials, ServiceKind } from "../kinds.ts";
import { putFile } from "./volumes.ts";

/**
 * Logical backups of a running service, through `docker exec` in its container: `pg_dump -Fc`,
 * `mariadb-dump --single-transaction`, Redis `BGSAVE` and its RDB file. Each returns the dump as a
 * stream that fails if the tool did.
 */
export async function dumpService(
  docker: Docker,
  container: string,
  kind: ServiceKind,
  credentials: Credentials,
): Promise<Readable> {
  if (kind !== "redis") return execOutput(docker, container, dumpCommand(kind, credentials));
  await snapshotRedis(docker, container);
  return execOutput(docker, container, ["cat", "/data/dump.rdb"]);
}

const info = async (docker: Docker, container: string) =>
  Object.fromEntries(
    (await execChecked(docker, container, ["redis-cli", "INFO", "persistence"])).stdout
      .split(/\r?\n/)
      .map((line) => line.split(":", 2) as [string, string])
      .filter((pair) => pair.length === 2),
  );

/** BGSAVE and wait for it: the RDB file on the volume is then a consistent point in time. */
async function snapshotRedis(docker: Docker, container: string): Promise<void> {
  const before = Number((await info(docker, container)).rdb_last_save_time ?? 0);
  const started = Date.now();
  await execChecked(docker, container, ["redis-cli", "BGSAVE", "SCHEDULE"]);
  while (Date.now() - started < 10 * 60_000) {
    const now = await info(docker, container);
    const saved = Number(now.rdb_last_save_time ?? 0);
    if (now.rdb_bgsave_in_progress === "0" && saved >= before && saved * 1000 >= started - 1000) {
      if (now.rdb_last_bgsave_status !== "ok")
        throw new Error("Redis could not write its RDB snapshot (BGSAVE failed)");
      return;
    }
    await Bun.sleep(100);
  }
  throw new Error("Redis did not finish its RDB snapshot within 10 minutes");
}

/**
 * Loads a PostgreSQL dump into a fresh database beside the live one, then swaps the two: a dump
 * that fails to load leaves the service as it was. The swap closes the app's connections to the
 * old database (they reconnect to the restored one).
 */
export async function restorePostgres(
  docker: Docker,
  container: string,
  credentials: Credentials,
  dump: Readable,
): Promise<void> {
  const db = credentials.database;
  const staging = `${db}__restore`;
  const old = `${db}__old`;
  const run = (sql: string) => execChecked(docker, container, psql(credentials, sql));
  await run(`DROP DATABASE IF EXISTS ${pgIdent(staging)}`);
  await run(`CREATE DATABASE ${pgIdent(staging)} OWNER ${pgIdent(credentials.user)}`);
  try {
    await execChecked(docker, container, restoreCommand("postgres", credentials, staging), { stdin: dump });
  } catch (error) {
    await run(`DROP DATABASE IF EXISTS ${pgIdent(staging)}`).catch(() => {});
    throw error;
  }
  await run(`DROP DATABASE IF EXISTS ${pgIdent(old)}`);
  await run(`ALTER DATABASE ${pgIdent(db)} ALLOW_CONNECTIONS false`);
  try {
    await run(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${db}' AND pid <> pg_backend_pid()`,
    );
    await run(`ALTER DATABASE ${pgIdent(db)} RENAME TO ${pgIdent(old)}`);
  } catch (error) {
    await run(`ALTER DATABASE ${pgIdent(db)} ALLOW_CONNECTIONS true`).catch(() => {});
    throw error;
  }
  await run(`ALTER DATABASE ${pgIdent(staging)} RENAME TO ${pgIdent(db)}`);
  await run(`DROP DATABASE ${pgIdent(old)} WITH (FORCE)`);
}

/**
 * MySQL/MariaDB: the dump is loaded into a scratch database first (a dump the server refuses
 * leaves the service untouched), then into the service's database, whose tables it drops and
 * recreates (`--add-drop-table`). `reopen` gives the dump again from the start.
 */
export async function restoreMysql(
  docker: Docker,
  container: string,
  kind: "mysql" | "mariadb",
  credentials: Credentials,
  reopen: () => Promise<Readable>,
): Promise<void> {
  const staging = `${credentials.database}__restore`;
  const run = (sql: string) => execChecked(docker, container, mysqlStatement(kind, sql));
  await run(`DROP DATABASE IF EXISTS ${mysqlIdent(staging)}; CREATE DATABASE ${mysqlIdent(staging)}`);
  try {
    await execChecked(docker, container, restoreCommand(kind, credentials, staging), {
      stdin: await reopen(),
    });
  } finally {
    await run(`DROP DATABASE IF EXISTS ${mysqlIdent(staging)}`).catch(() => {});
  }
  // The apps' connections go before (a transaction of theirs would hold the tables' locks) and
  // after (their prepared statements name tables that were dropped and made again): their
  // drivers reconnect to the restored database.
  await closeConnections(docker, container, kind, credentials.user);
  await execChecked(docker, container, restoreCommand(kind, credentials, credentials.database), {
    stdin: await reopen(),
  });
  await closeConnections(docker, container, kind, credentials.user);
}

async function closeConnections(docker: Docker, container: string, kind: "mysql" | "mariadb", user: string) {
  const { stdout } = await execChecked(docker, container, [
    ...mysqlStatement(
      kind,
      `SELECT id FROM information_schema.processlist WHERE user = '${user.replaceAll("'", "''")}'`,
    ),
    "--skip-column-names",
    "--batch",
  ]);
  const ids = stdout.split(/\s+/).filter((id) => /^\d+$/.test(id));
  if (ids.length === 0) return;
  // A connection may close by itself meanwhile: that is what was wanted.
  await execChecked(docker, container, [
    ...mysqlStatement(kind, ids.map((id) => `KILL CONNECTION ${id};`).join(" ")),
    "--force",
  ]).catch(() => {});
}

/**
 * Redis: the RDB file goes next to the live one, the server reloads its data from it (`DEBUG
 * RELOAD NOSAVE`, allowed from inside the container only) and rewrites its AOF from the result.
 * The container keeps running at the same address; clients see their keys replaced.
 */
export async function restoreRedis(
  docker: Docker,
  container: string,
  rdb: { size: number; content: Readable },
): Promise<void> {
  const file = "pier-restore.rdb";
  await putFile(docker.getContainer(container), "/data", { name: file, ...rdb });
  const cli = (...args: string[]) => execChecked(docker, container, ["redis-cli", ...args]);
  try {
    await cli("CONFIG", "SET", "dbfilename", file);
    const reload = await cli("DEBUG", "RELOAD", "NOSAVE");
    if (!/OK/.test(reload.stdout)) throw new Error(`Redis did not load the backup: ${reload.stdout.trim()}`);
  } finally {
    await cli("CONFIG", "SET", "dbfilename", "dump.rdb").catch(() => {});
    await execChecked(docker, container, ["rm", "-f", `/data/${file}`]).catch(() => {});
  }
  await cli("BGREWRITEAOF");
  const started = Date.now();
  while (Date.now() - started < 10 * 60_000) {
    const now = await info(docker, container);
    if (now.aof_rewrite_in_progress === "0" && now.aof_rewrite_scheduled === "0") {
      if (now.aof_last_bgrewrite_status !== "ok")
        throw new Error("Redis could not write its AOF after the restore");
      return;
    }
    await Bun.sleep(100);
  }
  throw new Error("Redis did not finish writing its AOF within 10 minutes");
}
