import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { drizzle } from "drizzle-orm/bun-sqlite";
import { isStorageFull, StorageFullError, storageFullIn, storageFullMessage } from "./storage-full.ts";

/** A real SQLITE_FULL: max_page_count makes SQLite refuse to grow the file, as a full disk does. */
function sqliteFullError(): unknown {
  const db = new Database(":memory:");
  db.run("CREATE TABLE t (x TEXT)");
  db.run("PRAGMA max_page_count = 3");
  try {
    db.run("INSERT INTO t VALUES (?)", ["x".repeat(100_000)]);
  } catch (error) {
    return error;
  } finally {
    db.close();
  }
  throw new Error("SQLite took the row");
}

test("SQLite's SQLITE_FULL, bare and wrapped by drizzle, is storage full on the local disk", () => {
  const error = sqliteFullError();
  expect((error as { code?: string }).code).toBe("SQLITE_FULL");
  expect(storageFullIn(error)).toBe("local");

  const db = new Database(":memory:");
  db.run("CREATE TABLE t (x TEXT)");
  db.run("PRAGMA max_page_count = 3");
  let wrapped: unknown;
  try {
    drizzle({ client: db }).run(`INSERT INTO t VALUES ('${"x".repeat(100_000)}')` as never);
  } catch (e) {
    wrapped = e;
  }
  expect((wrapped as Error).message).not.toContain("database or disk is full");
  expect(isStorageFull(wrapped)).toBe(true);
});

test("ENOSPC from the file system is storage full on the local disk", () => {
  const enospc = Object.assign(new Error("ENOSPC: no space left on device, write"), {
    code: "ENOSPC",
    errno: -28,
    syscall: "write",
  });
  expect(storageFullIn(enospc)).toBe("local");
  expect(storageFullIn(new Error("upload failed", { cause: enospc }))).toBe("local");
});

test("PostgreSQL's disk_full (53100) is storage full on the database server; other 53xxx only about space", () => {
  // Bun's driver puts the SQLSTATE on errno; node-postgres and postgres.js on code.
  const bun = Object.assign(new Error("could not extend file"), {
    code: "ERR_POSTGRES_SERVER_ERROR",
    errno: "53100",
  });
  expect(storageFullIn(bun)).toBe("postgres");
  expect(storageFullIn({ code: "53100", message: "could not write block" })).toBe("postgres");
  expect(storageFullIn(new Error("Failed query", { cause: bun }))).toBe("postgres");
  const shm = { code: "53000", message: "could not resize shared memory segment: No space left on device" };
  expect(storageFullIn(shm)).toBe("postgres");
  expect(storageFullIn({ code: "53200", message: "out of memory" })).toBeNull();
  expect(storageFullIn({ errno: "53300", message: "sorry, too many clients already" })).toBeNull();
});

test("other errors, a disk I/O error on a roomy disk and non-errors are not storage full", () => {
  expect(storageFullIn(new Error("UNIQUE constraint failed: apps.name"))).toBeNull();
  expect(storageFullIn({ code: "SQLITE_BUSY", message: "database is locked" })).toBeNull();
  expect(storageFullIn({ code: "EPIPE", message: "broken pipe" })).toBeNull();
  expect(storageFullIn(null)).toBeNull();
  expect(storageFullIn("database or disk is full")).toBeNull();
  const ioerr = { code: "SQLITE_IOERR_SHMSIZE", message: "disk I/O error" };
  const dir = mkdtempSync(join(tmpdir(), "pier-storage-full-"));
  try {
    // Without a data dir the reason is unknown; with one, this disk has room, so it is another fault.
    expect(storageFullIn(ioerr)).toBeNull();
    expect(storageFullIn(ioerr, { dataDir: dir })).toBeNull();
    expect(storageFullIn(ioerr, { dataDir: join(dir, "missing") })).toBeNull();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const loop: { message: string; cause?: unknown } = { message: "wrapped" };
  loop.cause = loop;
  expect(storageFullIn(loop)).toBeNull();
});

test("the 507 says what ran out, where, what to do, and that no restart is needed", () => {
  const local = new StorageFullError("local", "/var/lib/pier");
  expect([local.status, local.code]).toEqual([507, "storage_full"]);
  expect(local.message).toBe(
    "pier could not write because the disk holding its data dir (/var/lib/pier) is full. " +
      "Free space on that disk; pier recovers without a restart.",
  );
  expect(storageFullMessage("local")).toContain("its data dir (--data-dir)");
  expect(storageFullMessage("postgres")).toContain("PostgreSQL server is full");
});
