import { statfsSync } from "node:fs";
import { PierError } from "@pier/core";

/** Which storage ran out: the disk under pier's data dir, or the PostgreSQL server's. */
export type StorageFullWhere = "local" | "postgres";

export interface StorageFullOptions {
  /**
   * SQLite reports some failed writes only as "disk I/O error" (growing the WAL index, a short
   * write), without the reason. With this directory, such an error counts as storage full when the
   * disk under it has (almost) no space left.
   */
  dataDir?: string;
}

/** Below this much space, a disk I/O error is taken to be the full disk's doing. */
const nearlyFullBytes = 1024 * 1024;

/**
 * Whether `error` says storage ran out (SQLite's SQLITE_FULL, ENOSPC from the file system,
 * PostgreSQL's 53100 disk_full), and where. drizzle wraps driver errors, so the `cause` chain is
 * followed. Pure except for the free-space check described at `StorageFullOptions.dataDir`.
 */
export function storageFullIn(error: unknown, options: StorageFullOptions = {}): StorageFullWhere | null {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === "object" && !seen.has(current)) {
    seen.add(current);
    const e = current as { code?: unknown; errno?: unknown; message?: unknown; cause?: unknown };
    const code = typeof e.code === "string" ? e.code : "";
    const message = typeof e.message === "string" ? e.message : "";
    // PostgreSQL's SQLSTATE: on `errno` from Bun's driver, on `code` from node-postgres and postgres.js.
    const sqlState = [e.errno, e.code].find(
      (v): v is string => typeof v === "string" && sqlStateShape.test(v),
    );
    if (sqlState === "53100") return "postgres";
    // Other insufficient-resources states (53000: a shared memory segment on a full /dev/shm) count
    // when the server says it is about space; out of memory and too many connections do not.
    if (sqlState?.startsWith("53") && noSpaceMessage.test(message)) return "postgres";
    if (code === "SQLITE_FULL" || message === "database or disk is full") return "local";
    if (code === "ENOSPC" || noSpaceMessage.test(message)) return sqlState ? "postgres" : "local";
    if (code.startsWith("SQLITE_IOERR") && options.dataDir && diskNearlyFull(options.dataDir)) return "local";
    current = e.cause;
  }
  return null;
}

export function isStorageFull(error: unknown, options: StorageFullOptions = {}): boolean {
  return storageFullIn(error, options) !== null;
}

/** Five characters, at least one a digit: "53100", "XX000", never a five-letter errno name like EPIPE. */
const sqlStateShape = /^(?=.*\d)[0-9A-Z]{5}$/;
const noSpaceMessage = /\bENOSPC\b|No space left on device/i;

function diskNearlyFull(dir: string): boolean {
  try {
    const { bavail, bsize } = statfsSync(dir);
    return bavail * bsize < nearlyFullBytes;
  } catch {
    return false;
  }
}

/**
 * A control-plane write that failed because storage is full: 507 Insufficient Storage, with what to
 * do. pier needs no restart afterwards: the next write simply succeeds.
 */
export class StorageFullError extends PierError {
  constructor(where: StorageFullWhere, dataDir?: string) {
    super("storage_full", storageFullMessage(where, dataDir), 507);
  }
}

export function storageFullMessage(where: StorageFullWhere, dataDir?: string): string {
  if (where === "postgres") {
    return (
      "pier could not write because the disk of its PostgreSQL server is full. " +
      "Free space there; pier recovers without a restart."
    );
  }
  return (
    `pier could not write because the disk holding its data dir (${dataDir ?? "--data-dir"}) is full. ` +
    "Free space on that disk; pier recovers without a restart."
  );
}
