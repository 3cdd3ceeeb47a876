import type { Database as SqliteClient } from "bun:sqlite";
import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Database, openDatabase } from "@pier/db";
import { errorsMigrations } from "../migrations.ts";
import { prepareEvent } from "../process/prepare-event.ts";
import { createIssueStore } from "../store/issue-store.ts";
import { createProjectStore } from "../store/project-store.ts";
import { createSqlEventStore } from "../store/sql-event-store.ts";
import { EventWriter, type IssueNotice, type PendingEvent } from "./event-writer.ts";

// The writer on a real SQLite database that runs out of room: max_page_count makes SQLite answer
// SQLITE_FULL ("database or disk is full") exactly as it does on a full disk, inside the writer's
// drizzle transaction, and lifting it is the operator freeing space.
let dir: string;
let database: Database;
let client: SqliteClient;
let projectId: number;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "pier-event-writer-"));
  database = await openDatabase({ dataDir: dir });
  await database.migrate(errorsMigrations);
  client = (database.db as unknown as { $client: SqliteClient }).$client;
  projectId = (await createProjectStore(database).create({ name: "shop" })).id;
});

afterEach(async () => {
  await database.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Storage "full": no page may be added to the database file. */
const fillDisk = () => {
  const pages = client.query("PRAGMA page_count").get() as { page_count: number };
  client.run(`PRAGMA max_page_count = ${pages.page_count}`);
};
const freeSpace = () => client.run("PRAGMA max_page_count = 1073741823");

/** An event large enough to need new pages (its payload is stored zstd-compressed: random bytes stay large). */
function event(message: string): PendingEvent {
  const id = crypto.randomUUID().replaceAll("-", "");
  const payload = {
    event_id: id,
    message,
    level: "error",
    platform: "node",
    extra: { pad: Buffer.from(crypto.getRandomValues(new Uint8Array(20_000))).toString("base64") },
  };
  const bytes = new TextEncoder().encode(JSON.stringify(payload));
  return prepareEvent(projectId, id, payload, bytes, Date.now())!;
}

function writer(log: { errors: number[]; changes: boolean[]; notices: IssueNotice[] }, keep = false) {
  return new EventWriter(database, createIssueStore(database), createSqlEventStore(database), {
    flushIntervalMs: 10,
    storageRetryMs: 20,
    keepWhileStorageFull: keep,
    onError: (_, dropped) => log.errors.push(dropped),
    onStorageFullChange: (full) => log.changes.push(full),
    onNotice: (notice) => log.notices.push(notice),
  });
}

const storedCount = () => (client.query("SELECT count(*) AS n FROM error_events").get() as { n: number }).n;
const issueCounts = () =>
  (client.query("SELECT count FROM error_issues ORDER BY first_seen").all() as { count: number }[]).map(
    (r) => r.count,
  );

test("a batch that finds storage full is kept and retried; enqueue refuses until a write succeeds", async () => {
  const log = { errors: [] as number[], changes: [] as boolean[], notices: [] as IssueNotice[] };
  const w = writer(log);
  fillDisk();
  expect([w.enqueue(event("first")), w.enqueue(event("first"))]).toEqual([true, true]);
  await w.flush();
  expect(w.storageFull).toBe(true);
  expect(log.changes).toEqual([true]);
  expect([w.pending, w.stored, w.handled]).toEqual([2, 0, 0]);
  // Refused: ingest answers 503 and the SDK sends it again later.
  expect(w.enqueue(event("refused"))).toBe(false);
  expect(storedCount()).toBe(0);

  freeSpace();
  await Bun.sleep(100);
  expect(w.storageFull).toBe(false);
  expect(log.changes).toEqual([true, false]);
  expect([w.pending, w.stored, w.handled]).toEqual([0, 2, 2]);
  expect(storedCount()).toBe(2);
  // The rolled-back attempts left no trace: one issue, counted once per event, announced once.
  expect(issueCounts()).toEqual([2]);
  expect(log.notices.map((n) => n.kind)).toEqual(["created"]);

  expect(w.enqueue(event("later"))).toBe(true);
  await w.stop();
  expect(storedCount()).toBe(3);
  expect(issueCounts()).toEqual([2, 1]);
  expect(log.errors).toEqual([]);
});

test("the writer thread's writer keeps taking what the main thread acknowledged", async () => {
  const log = { errors: [] as number[], changes: [] as boolean[], notices: [] as IssueNotice[] };
  const w = writer(log, true);
  fillDisk();
  w.enqueue(event("a"));
  await w.flush();
  expect(w.storageFull).toBe(true);
  expect(w.enqueue(event("b"))).toBe(true);
  freeSpace();
  await w.flush();
  expect([w.storageFull, w.stored, storedCount()]).toEqual([false, 2, 2]);
  await w.stop();
});

test("still full at shutdown: the kept events are reported lost", async () => {
  const log = { errors: [] as number[], changes: [] as boolean[], notices: [] as IssueNotice[] };
  const w = writer(log);
  fillDisk();
  w.enqueue(event("a"));
  w.enqueue(event("b"));
  await w.stop();
  expect(log.errors).toEqual([2]);
  expect([w.pending, w.handled]).toEqual([0, 2]);
});

test("other write errors drop the batch as before and refuse nothing", async () => {
  const log = { errors: [] as number[], changes: [] as boolean[], notices: [] as IssueNotice[] };
  const w = writer(log);
  // A project that does not exist: the foreign key fails the transaction.
  w.enqueue({ ...event("orphan"), projectId: projectId + 1000 });
  await w.flush();
  expect(log.errors).toEqual([1]);
  expect([w.storageFull, w.handled, log.changes.length]).toEqual([false, 1, 0]);
  expect(w.enqueue(event("fine"))).toBe(true);
  await w.stop();
  expect(storedCount()).toBe(1);
});
