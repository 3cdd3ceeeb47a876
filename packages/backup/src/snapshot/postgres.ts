import { SQL } from "bun";

/**
 * PostgreSQL through its own tools: pg_dump writes a plain SQL dump (one consistent snapshot,
 * taken in a single repeatable-read transaction while pier keeps writing) and psql replays it in
 * one transaction. Plain SQL rather than the custom format, because psql of any version reads
 * it and it compresses as well inside the archive.
 */
export class PostgresToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PostgresToolError";
  }
}

function tool(name: "pg_dump" | "psql"): string {
  const found = Bun.which(name);
  if (!found)
    throw new PostgresToolError(
      `${name} is not installed: pier backs up PostgreSQL with pg_dump and restores with psql (Debian/Ubuntu: apt-get install postgresql-client)`,
    );
  return found;
}

/** Major version of a libpq tool (`pg_dump (PostgreSQL) 15.18 (Debian …)` -> 15). */
export function toolMajorVersion(output: string): number | null {
  const match = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(output);
  return match ? Number(match[1]) : null;
}

/** Major version of the server from `server_version_num` (150018 -> 15). */
export function serverMajorVersion(versionNum: string | number): number {
  return Math.floor(Number(versionNum) / 10000);
}

async function run(cmd: string[], env: Record<string, string>, stdin?: string): Promise<string> {
  const proc = Bun.spawn(cmd, {
    env: { ...process.env, ...env },
    stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  if (code !== 0)
    throw new PostgresToolError(`${cmd[0]?.split("/").pop()} failed: ${err.trim() || out.trim()}`);
  return out;
}

/** libpq takes the URL as is, but the password goes through the environment, never the argv. */
function connection(url: string): { dbname: string; env: Record<string, string> } {
  const parsed = new URL(url);
  const env: Record<string, string> = {};
  if (parsed.password) env.PGPASSWORD = decodeURIComponent(parsed.password);
  parsed.password = "";
  return { dbname: parsed.toString(), env };
}

/** pg_dump refuses servers newer than itself; say so before it does, with the fix. */
async function checkDumpVersion(url: string, pgDump: string): Promise<void> {
  const client = new SQL(url);
  try {
    const [row] = (await client`SHOW server_version_num`) as { server_version_num: string }[];
    const server = serverMajorVersion(row!.server_version_num);
    const local = toolMajorVersion(await run([pgDump, "--version"], {}));
    if (local !== null && local < server)
      throw new PostgresToolError(
        `pg_dump ${local} cannot dump a PostgreSQL ${server} server: install postgresql-client-${server} (or newer) on this machine`,
      );
  } finally {
    await client.close();
  }
}

/** Dumps the database at `url` into `target` (plain SQL); answers the migration ids it records. */
export async function dumpPostgres(url: string, target: string): Promise<string[]> {
  const pgDump = tool("pg_dump");
  await checkDumpVersion(url, pgDump);
  const { dbname, env } = connection(url);
  await run(
    [
      pgDump,
      "--format=plain",
      "--no-owner",
      "--no-privileges",
      "--clean",
      "--if-exists",
      "--file",
      target,
      "--dbname",
      dbname,
    ],
    env,
  );
  const client = new SQL(url);
  try {
    const rows = (await client`SELECT id FROM pier_migrations ORDER BY id`) as { id: string }[];
    return rows.map((r) => r.id);
  } finally {
    await client.close();
  }
}

/** Tables in the public schema: a database pier would restore into must have none (or --force). */
export async function postgresTableCount(url: string): Promise<number> {
  const client = new SQL(url);
  try {
    const [row] =
      (await client`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'`) as {
        n: number;
      }[];
    return row?.n ?? 0;
  } finally {
    await client.close();
  }
}

/** Replays a dump into `url` in one transaction: all of it, or nothing. */
export async function restorePostgres(url: string, dumpPath: string): Promise<void> {
  const psql = tool("psql");
  const { dbname, env } = connection(url);
  await run(
    [
      psql,
      "--quiet",
      "--no-psqlrc",
      "--set",
      "ON_ERROR_STOP=1",
      "--single-transaction",
      "--file",
      dumpPath,
      "--dbname",
      dbname,
    ],
    env,
  );
}
