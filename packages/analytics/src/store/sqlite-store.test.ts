import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { knownDataset } from "../testing/known-dataset.ts";
import { liveEvents } from "../testing/live-events.ts";
import { storeContract } from "../testing/store-contract.ts";
import { SqliteAnalyticsStore } from "./sqlite-store.ts";

const DAY = 86_400_000;
const dir = mkdtempSync(join(tmpdir(), "pier-analytics-"));
const now = Date.now();
const firstDay = (Math.floor(now / DAY) - 5) * DAY;
let opened: SqliteAnalyticsStore | undefined;

async function open() {
  if (!opened) {
    opened = new SqliteAnalyticsStore({ path: join(dir, "analytics.db"), now: () => now });
    const records = knownDataset("shop", firstDay);
    // Several batches, as the write queue would deliver them, so visits are merged by upserts.
    for (let i = 0; i < records.length; i += 97) await opened.write(records.slice(i, i + 97));
    await opened.write(liveEvents("shop", now));
  }
  return { store: opened, now, firstDay };
}

afterAll(async () => {
  await opened?.close();
  rmSync(dir, { recursive: true, force: true });
});

storeContract("sqlite", open);

test("the background roller rolls completed days, newest first, a bounded number per call", async () => {
  const dir2 = mkdtempSync(join(tmpdir(), "pier-analytics-roll-"));
  const store = new SqliteAnalyticsStore({ path: join(dir2, "analytics.db"), now: () => now });
  store.writeSync(knownDataset("shop", firstDay));
  expect(store.rollUpPending(2)).toBe(2);
  const rolled = (store.db.query("SELECT day FROM rolled_days ORDER BY day").all() as { day: number }[]).map(
    (r) => r.day,
  );
  const today = Math.floor(now / DAY);
  expect(rolled).toEqual([today - 2, today - 1]);
  expect(store.rollUpPending(100)).toBe(33);
  expect(store.rollUpPending(100)).toBe(0);
  await store.close();
  rmSync(dir2, { recursive: true, force: true });
});
