import { copyFile, lstat, mkdir, readdir, readFile, readlink, rm } from "node:fs/promises";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import {
  dataPrefix,
  formatVersion,
  type Manifest,
  type ManifestFile,
  postgresDumpName,
} from "../format/manifest.ts";
import { dumpPostgres } from "../snapshot/postgres.ts";
import { snapshotSqlite } from "../snapshot/sqlite-snapshot.ts";
import {
  classifyTopLevel,
  gitRepositoryOrder,
  isUnfinishedDump,
  serviceDumpsDir,
  stageBelowBytes,
} from "./data-dir-plan.ts";
import { hashFile } from "./file-hash.ts";
import type { ProgressListener } from "./progress.ts";

export interface SnapshotOptions {
  dataDir: string;
  /** PostgreSQL of the control plane (PIER_DATABASE_URL): dumped with pg_dump. */
  databaseUrl?: string;
  /** ClickHouse is configured: noted in the manifest (its data is not archived). */
  clickhouse: boolean;
  version: string;
  runId?: string | null;
  /** Absolute paths inside the data dir to leave out (a backup target kept there). */
  exclude?: string[];
  onProgress?: ProgressListener;
  now?: Date;
}

/**
 * Phase one of an archive: the databases copied with their online backup into a staging folder
 * inside the data dir, small files copied beside them, large ones hashed where they are; the
 * manifest lists all of it. Phase two (archiveStream) writes what this describes.
 */
export interface Snapshot {
  manifest: Manifest;
  /** Member path -> file the bytes are read from. */
  sources: Map<string, { path: string; mtime: number }>;
  stagingDir: string;
  cleanup(): Promise<void>;
}

export async function takeSnapshot(options: SnapshotOptions): Promise<Snapshot> {
  const dataDir = resolve(options.dataDir);
  const createdAt = options.now ?? new Date();
  const stagingDir = join(
    dataDir,
    `.backup-${createdAt.getTime()}-${Math.random().toString(36).slice(2, 8)}`,
  );
  await mkdir(stagingDir, { recursive: true, mode: 0o700 });
  const cleanup = () => rm(stagingDir, { recursive: true, force: true });
  try {
    return { ...(await collect(options, dataDir, stagingDir, createdAt)), stagingDir, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

async function collect(options: SnapshotOptions, dataDir: string, stagingDir: string, createdAt: Date) {
  const exclude = new Set((options.exclude ?? []).map((p) => resolve(p)));
  const dumpsRoot = join(dataDir, serviceDumpsDir);
  const files: ManifestFile[] = [];
  const dirs: Manifest["dirs"] = [];
  const symlinks: Manifest["symlinks"] = [];
  const sources = new Map<string, { path: string; mtime: number }>();
  let staged = 0;
  let bytes = 0;
  const progress = (member: string) =>
    options.onProgress?.({ phase: "snapshot", member, files: files.length, bytes });

  const addFile = async (member: string, path: string, mode: number, mtime: number, size: number) => {
    files.push({ path: member, size, mode: mode & 0o7777, sha256: await hashFile(path, size) });
    sources.set(member, { path, mtime });
    bytes += size;
    progress(member);
  };

  const walk = async (path: string, member: string): Promise<void> => {
    if (exclude.has(path)) return;
    const info = await lstat(path).catch(() => null);
    // Gone between listing and reading (a log pruned, a build removed): not part of the snapshot.
    if (!info) return;
    if (info.isSymbolicLink()) {
      symlinks.push({ path: member, target: await readlink(path) });
    } else if (info.isDirectory()) {
      dirs.push({ path: member, mode: info.mode & 0o7777 });
      const names = (await readdir(path)).sort();
      const ordered = path.endsWith(".git") ? gitRepositoryOrder(names) : names;
      for (const name of ordered) await walk(join(path, name), `${member}/${name}`);
    } else if (info.isFile()) {
      if (path.startsWith(`${dumpsRoot}/`) && isUnfinishedDump(path)) return;
      if (info.size < stageBelowBytes) {
        const copy = join(stagingDir, `f${staged++}`);
        await copyFile(path, copy);
        const size = (await lstat(copy)).size;
        await addFile(member, copy, info.mode, info.mtimeMs, size);
      } else {
        await addFile(member, path, info.mode, info.mtimeMs, info.size);
      }
    }
  };

  let migrations: string[] = [];
  for (const entry of (await readdir(dataDir, { withFileTypes: true })).sort((a, b) =>
    a.name < b.name ? -1 : 1,
  )) {
    const path = join(dataDir, entry.name);
    const decision = classifyTopLevel(entry.name, entry.isDirectory());
    // The default target is DATA_DIR/backups itself: left out, but the dumps beside its archives go in.
    if (decision === "skip" || (decision !== "service-dumps" && exclude.has(path))) continue;
    if (decision === "sqlite") {
      options.onProgress?.({ phase: "database", member: entry.name, files: files.length, bytes });
      const copy = join(stagingDir, entry.name);
      const recorded = await snapshotSqlite(path, copy);
      if (entry.name === "pier.db") migrations = recorded;
      const info = await lstat(path);
      await addFile(`${dataPrefix}${entry.name}`, copy, info.mode, Date.now(), (await lstat(copy)).size);
      continue;
    }
    if (decision === "service-dumps") {
      // Dumps can be large: they go through walk like any file, read in place and streamed.
      const info = await lstat(dumpsRoot).catch(() => null);
      if (!info?.isDirectory() || exclude.has(dumpsRoot)) continue;
      dirs.push({ path: `${dataPrefix}${entry.name}`, mode: (await lstat(path)).mode & 0o7777 });
      await walk(dumpsRoot, `${dataPrefix}${serviceDumpsDir}`);
      continue;
    }
    await walk(path, `${dataPrefix}${entry.name}`);
  }
  if (options.databaseUrl) {
    options.onProgress?.({ phase: "database", member: "PostgreSQL (pg_dump)", files: files.length, bytes });
    const dump = join(stagingDir, "postgres.sql");
    migrations = await dumpPostgres(options.databaseUrl, dump);
    await addFile(postgresDumpName, dump, 0o600, Date.now(), (await lstat(dump)).size);
  }

  const instanceId = await readFile(join(dataDir, "instance-id"), "utf8").then(
    (text) => text.trim() || null,
    () => null,
  );
  const manifest: Manifest = {
    format: "pier-backup",
    formatVersion,
    pierVersion: options.version,
    createdAt: createdAt.toISOString(),
    hostname: hostname(),
    dataDir,
    dialect: options.databaseUrl ? "postgres" : "sqlite",
    migrations,
    instanceId,
    runId: options.runId ?? null,
    clickhouse: options.clickhouse,
    files,
    dirs,
    symlinks,
  };
  return { manifest, sources };
}
