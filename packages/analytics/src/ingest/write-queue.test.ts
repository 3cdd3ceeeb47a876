import { expect, test } from "bun:test";
import type { IngestRecord } from "./records.ts";
import { WriteQueue } from "./write-queue.ts";

const record = (n: number) => ({ kind: "vitals", vitals: { ts: n } }) as unknown as IngestRecord;
const tsOf = (r: IngestRecord) => (r as unknown as { vitals: { ts: number } }).vitals.ts;

/** What SQLite throws when the disk is full (bun:sqlite's shape). */
const sqliteFull = () =>
  Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL", errno: 13 });

/** A store that fails with SQLITE_FULL while `full` is set, else keeps what it is given. */
function fakeStore() {
  const store = { full: false, stored: [] as number[], attempts: 0 };
  return {
    store,
    write: async (batch: IngestRecord[]) => {
      store.attempts++;
      if (store.full) throw sqliteFull();
      store.stored.push(...batch.map(tsOf));
    },
  };
}

test("a batch that finds storage full is kept and retried on the timer; offers are refused until a write succeeds", async () => {
  const { store, write } = fakeStore();
  const changes: boolean[] = [];
  const lost: number[] = [];
  const queue = new WriteQueue({
    capacity: 6,
    batchSize: 100,
    flushIntervalMs: 10,
    write,
    onError: (_, n) => lost.push(n),
    isStorageFull: (error) => (error as { code?: string }).code === "SQLITE_FULL",
    onStorageFullChange: (full) => changes.push(full),
  });
  store.full = true;
  expect([queue.offer(record(1)), queue.offer(record(2))]).toEqual([true, true]);
  await queue.flush();
  expect(queue.storageFull).toBe(true);
  expect(changes).toEqual([true]);
  // Nothing new is acknowledged; what the proxy workers answered already is kept up to the capacity.
  expect(queue.offer(record(3))).toBe(false);
  for (let n = 4; n <= 8; n++) queue.keep(record(n));
  expect(queue.snapshot()).toMatchObject({ queued: 6, refused: 1, dropped: 1, failed: 0, storageFull: true });

  const attempts = store.attempts;
  await Bun.sleep(50);
  expect(store.attempts).toBeGreaterThan(attempts);
  expect(store.stored).toEqual([]);

  store.full = false;
  await Bun.sleep(50);
  // Written in the order they came, and offers are taken again without anyone stepping in.
  expect(store.stored).toEqual([1, 2, 4, 5, 6, 7]);
  expect(changes).toEqual([true, false]);
  expect(queue.offer(record(9))).toBe(true);
  await queue.close();
  expect(store.stored).toEqual([1, 2, 4, 5, 6, 7, 9]);
  expect(queue.snapshot()).toMatchObject({ queued: 0, written: 7, failed: 0, storageFull: false });
  expect(lost).toEqual([]);
});

test("other write errors still lose the batch, as before, and do not refuse offers", async () => {
  const lost: number[] = [];
  const queue = new WriteQueue({
    capacity: 10,
    batchSize: 100,
    flushIntervalMs: 60_000,
    write: async () => {
      throw new Error("constraint failed");
    },
    onError: (_, n) => lost.push(n),
    isStorageFull: () => false,
  });
  queue.offer(record(1));
  await queue.flush();
  expect(lost).toEqual([1]);
  expect(queue.storageFull).toBe(false);
  expect(queue.offer(record(2))).toBe(true);
  await queue.close();
  expect(queue.snapshot()).toMatchObject({ failed: 2, storageFull: false });
});

test("still full at shutdown: what was kept is reported lost", async () => {
  const { store, write } = fakeStore();
  const lost: number[] = [];
  const queue = new WriteQueue({
    capacity: 10,
    batchSize: 100,
    flushIntervalMs: 60_000,
    write,
    onError: (_, n) => lost.push(n),
    isStorageFull: () => true,
  });
  store.full = true;
  queue.offer(record(1));
  queue.offer(record(2));
  await queue.close();
  expect(lost).toEqual([2]);
  expect(queue.snapshot()).toMatchObject({ queued: 0, failed: 2 });
});
