import { afterAll } from "bun:test";
import { requireService } from "@pier/testkit";
import { SQL } from "bun";

/**
 * PIER_TEST_POSTGRES_URL, the server tests create their throwaway databases on; undefined when it
 * is not set, which fails in CI and skips the PostgreSQL half of a suite elsewhere (requireService).
 */
export function testPostgresUrl(): string | undefined {
  const url = process.env.PIER_TEST_POSTGRES_URL || undefined;
  const ready = requireService(
    "PostgreSQL",
    url ? null : "PIER_TEST_POSTGRES_URL is not set",
    "Start PostgreSQL and set PIER_TEST_POSTGRES_URL to its URL (.ci/run does both).",
  );
  return ready ? url : undefined;
}

/**
 * A fresh PostgreSQL database for one test file, named `<prefix>_<random>` and dropped after the
 * file; null when PIER_TEST_POSTGRES_URL is not set (see testPostgresUrl). Call at the top level
 * of a test file; `create()` makes the database and returns its URL.
 */
export function freshPostgresDatabase(prefix: string): { create(): Promise<string> } | null {
  const adminUrl = testPostgresUrl();
  if (adminUrl === undefined) return null;
  const name = `${prefix}_${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;
  let admin: SQL | undefined;
  afterAll(async () => {
    if (!admin) return;
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.close();
  });
  return {
    async create() {
      admin = new SQL(adminUrl!);
      await admin.unsafe(`CREATE DATABASE ${name}`);
      const url = new URL(adminUrl!);
      url.pathname = `/${name}`;
      return url.toString();
    },
  };
}

export interface DatabaseBackend {
  name: "sqlite" | "postgres";
  /** Extra environment for `startPier`: PIER_DATABASE_URL of a fresh database, or nothing for SQLite. */
  env(): Promise<Record<string, string>>;
}

/** The databases a suite runs against: the embedded SQLite always, and a fresh PostgreSQL database. */
export function databaseBackends(prefix: string): DatabaseBackend[] {
  const backends: DatabaseBackend[] = [{ name: "sqlite", env: async () => ({}) }];
  const postgres = freshPostgresDatabase(prefix);
  if (postgres)
    backends.push({ name: "postgres", env: async () => ({ PIER_DATABASE_URL: await postgres.create() }) });
  return backends;
}
