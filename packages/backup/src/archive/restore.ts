import { chmod, mkdir, readdir, rename, rm, rmdir, stat, symlink } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { BackupDamagedError, RestoreRefusedError } from "../errors.ts";
import type { EncryptionKey } from "../format/encryption.ts";
import {
  dataPrefix,
  type Manifest,
  manifestTotals,
  postgresDumpName,
  restoreRefusal,
  safeSymlinkTarget,
} from "../format/manifest.ts";
import { postgresTableCount, restorePostgres } from "../snapshot/postgres.ts";
import type { ProgressListener } from "./progress.ts";
import { readArchive } from "./read.ts";
import {
  type RebuildPlan,
  rebuildPlan,
  relocateBackupLocation,
  relocateStaticRelease,
  type ServicePlan,
  servicePlans,
} from "./restore-plan.ts";
import { openRestoredPostgres, openRestoredSqlite, type RestoredDatabase } from "./restored-database.ts";

export interface RestoreOptions {
  source: ReadableStream<Uint8Array>;
  /** How the archive is named to the user (path or s3://…), for the run it came from. */
  archiveName: string;
  archiveBytes?: number;
  key?: EncryptionKey;
  dataDir: string;
  /** Restore the PostgreSQL dump into this (empty) database. */
  databaseUrl?: string;
  /** Replace pier's files in a non-empty data dir (and objects in a non-empty database). */
  force: boolean;
  /** Keep the instance id, so the restored pier adopts the containers of the one it replaces. */
  keepInstanceId: boolean;
  version: string;
  onProgress?: ProgressListener;
}

export interface RestoreReport {
  manifest: Manifest;
  files: number;
  bytes: number;
  relocatedReleases: number;
  apps: RebuildPlan[];
  /** Each service's backups that came back; its live volume never does. */
  services: ServicePlan[];
}

async function isEmptyDir(path: string): Promise<boolean | null> {
  const names = await readdir(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return null;
    if (error.code === "ENOTDIR") throw new RestoreRefusedError(`${path} is a file, not a directory`);
    throw error;
  });
  return names === null ? null : names.length === 0;
}

/**
 * Restores an archive into a data dir (and a PostgreSQL database for a PostgreSQL archive). The
 * archive is read once into a staging folder inside the data dir, every member checked against
 * the manifest on the way; only when all of it checked out is anything put in place. A failure
 * leaves the data dir (and database) as they were: an empty dir stays empty, a missing one is not
 * created.
 */
export async function restoreArchive(options: RestoreOptions): Promise<RestoreReport> {
  const dataDir = resolve(options.dataDir);
  const empty = await isEmptyDir(dataDir);
  if (empty === false && !options.force)
    throw new RestoreRefusedError(
      `${dataDir} is not empty: restore into an empty or new directory, or add --force to replace pier's files in it (stop pier on it first)`,
    );
  if (empty === null) await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const staging = join(dataDir, `.restore-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`);
  await mkdir(staging, { mode: 0o700 });
  const links: Manifest["symlinks"] = [];
  const modes: { path: string; mode: number }[] = [];
  let manifest: Manifest;
  try {
    ({ manifest } = await readArchive(options.source, options.key, {
      onProgress: options.onProgress,
      manifest: async (m) => {
        const refusal = restoreRefusal(m, { version: options.version });
        if (refusal) throw new RestoreRefusedError(refusal);
        if (m.dialect === "postgres" && !options.databaseUrl)
          throw new RestoreRefusedError(
            "the archive holds a PostgreSQL database: give --database-url URL (or PIER_DATABASE_URL) of an empty database to restore it into",
          );
        if (m.dialect === "sqlite" && options.databaseUrl)
          throw new RestoreRefusedError(
            "the archive holds SQLite databases (pier.db), not a PostgreSQL dump: restore it without --database-url",
          );
        if (options.databaseUrl && !options.force && (await postgresTableCount(options.databaseUrl)) > 0)
          throw new RestoreRefusedError(
            "the PostgreSQL database has tables already: restore into an empty database, or add --force to replace pier's tables in it",
          );
      },
      dir: async (dir) => {
        await mkdir(join(staging, dir.path), { recursive: true, mode: 0o700 });
        modes.push(dir);
      },
      file: async (file, data) => {
        const path = join(staging, file.path);
        await mkdir(dirname(path), { recursive: true, mode: 0o700 });
        const writer = Bun.file(path).writer();
        for await (const chunk of data) await writer.write(chunk);
        await writer.end();
        await chmod(path, file.mode & 0o777);
      },
      // Links are made last, once every file is written: no file is ever written through one.
      symlink: async (link) => {
        if (!safeSymlinkTarget(link.path, link.target))
          throw new BackupDamagedError(`the link ${link.path} points outside its folder (${link.target})`);
        links.push(link);
      },
    }));
    for (const link of links) {
      await mkdir(dirname(join(staging, link.path)), { recursive: true, mode: 0o700 });
      await symlink(link.target, join(staging, link.path));
    }
    for (const dir of modes.reverse()) await chmod(join(staging, dir.path), dir.mode & 0o777);
    if (manifest.dialect === "postgres")
      await restorePostgres(options.databaseUrl!, join(staging, postgresDumpName));
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    if (empty === null) await rmdir(dataDir).catch(() => {});
    throw error;
  }

  await putInPlace(join(staging, dataPrefix), dataDir, options.force);
  await rm(staging, { recursive: true, force: true });
  // A new instance id unless asked: the restored pier then never adopts or removes containers of
  // the pier it was copied from, which may still run on the same Docker Engine.
  if (!options.keepInstanceId) await rm(join(dataDir, "instance-id"), { force: true });
  await chmod(dataDir, 0o700);

  const database =
    manifest.dialect === "postgres"
      ? openRestoredPostgres(options.databaseUrl!)
      : openRestoredSqlite(dataDir);
  try {
    const relocatedReleases = await relocate(database, manifest.dataDir, dataDir);
    const backups = await relocateServiceBackups(database, manifest.dataDir, dataDir);
    if (manifest.runId)
      await database.finishRun(manifest.runId, options.archiveName, options.archiveBytes ?? 0);
    await database.dropLeases();
    const totals = manifestTotals(manifest);
    return {
      manifest,
      files: totals.files,
      bytes: totals.bytes,
      relocatedReleases,
      apps: rebuildPlan(await database.liveReleases()),
      services: servicePlans(await database.services(), backups),
    };
  } finally {
    await database.close();
  }
}

/** Moves the staged data dir entries into place; with force, replacing what is there. */
async function putInPlace(stagedData: string, dataDir: string, force: boolean): Promise<void> {
  const names = await readdir(stagedData).catch(() => [] as string[]);
  if (force) {
    // Side files of the databases being replaced would be replayed into the restored ones: every
    // SQLite file of the archive (pier.db, analytics.db, logs.db, traces.db, …).
    for (const db of names.filter((name) => name.endsWith(".db")))
      for (const suffix of ["-wal", "-shm", "-journal"])
        await rm(join(dataDir, db + suffix), { force: true });
    for (const name of names.filter((n) => n !== "backups"))
      await rm(join(dataDir, name), { recursive: true, force: true });
  }
  for (const name of names) {
    if (name === "backups") await mergeInto(join(stagedData, name), join(dataDir, name));
    else await rename(join(stagedData, name), join(dataDir, name));
  }
}

/**
 * The archive's service dumps join what `backups/` holds (platform archives, maybe the one being
 * restored, newer dumps): nothing there is removed, not even with force.
 */
async function mergeInto(staged: string, target: string): Promise<void> {
  await mkdir(target, { recursive: true, mode: 0o700 });
  for (const entry of await readdir(staged, { withFileTypes: true })) {
    if (entry.isDirectory()) await mergeInto(join(staged, entry.name), join(target, entry.name));
    else await rename(join(staged, entry.name), join(target, entry.name));
  }
}

/** Local service backups now read from the restored data dir; returns them all, checked for presence. */
async function relocateServiceBackups(database: RestoredDatabase, from: string, to: string) {
  const restored = [];
  for (const backup of await database.serviceBackups()) {
    const moved = relocateBackupLocation(backup.location, from, to);
    if (moved) await database.updateBackupLocation(backup.id, moved);
    const location = moved ?? backup.location;
    const present =
      location.startsWith("file:") && (await fileSize(location.slice("file:".length))) !== undefined;
    restored.push({ ...backup, location, present });
  }
  return restored;
}

async function relocate(database: RestoredDatabase, from: string, to: string): Promise<number> {
  let moved = 0;
  for (const release of await database.staticReleases()) {
    const relocated = relocateStaticRelease(release.image, release.meta, from, to);
    if (!relocated) continue;
    await database.updateRelease(release.id, relocated.image, relocated.meta);
    moved++;
  }
  return moved;
}

/** Size of a local archive, for the report (S3 archives report what they read). */
export async function fileSize(path: string): Promise<number | undefined> {
  return stat(path).then(
    (s) => s.size,
    () => undefined,
  );
}
