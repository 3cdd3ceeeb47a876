import { expect, test } from "bun:test";
import type { LogRecord } from "./log-record.ts";
import { LogWriter } from "./log-writer.ts";
import type { ContainerCursor } from "./store/sqlite-store.ts";

const record = (line: string): LogRecord => ({
  ts: 1,
  app: "web",
  env: "production",
  release: "",
  replica: "production/0",
  stream: "stdout",
  level: null,
  line,
  attrs: null,
});

test("batches lines, keeps order, and stores the cursor with the last batch", async () => {
  const batches: { lines: string[]; cursors: ContainerCursor[] }[] = [];
  const writer = new LogWriter(
    {
      insert: (records, cursors) =>
        void batches.push({ lines: records.map((r) => r.line), cursors: [...cursors] }),
    },
    { flushMs: 1000, batchSize: 2, highWater: 100, onDropped: () => {} },
  );
  writer.push(record("a"), { containerId: "c", ts: "1" });
  writer.push(record("b"), { containerId: "c", ts: "2" });
  writer.push(record("c"), { containerId: "c", ts: "3" });
  await writer.stop();
  expect(batches.flatMap((b) => b.lines)).toEqual(["a", "b", "c"]);
  expect(batches.flatMap((b) => b.cursors)).toEqual([{ containerId: "c", ts: "3" }]);
  expect(batches.at(-1)!.cursors).toHaveLength(1);
});

test("push says when to pause, room() resolves once the backlog is stored", async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const writer = new LogWriter(
    { insert: () => gate },
    { flushMs: 1, batchSize: 10, highWater: 3, onDropped: () => {} },
  );
  expect(writer.push(record("1"))).toBe(true);
  expect(writer.push(record("2"))).toBe(true);
  expect(writer.push(record("3"))).toBe(false);
  let resumed = false;
  const room = writer.room().then(() => {
    resumed = true;
  });
  await Bun.sleep(10);
  expect(resumed).toBe(false);
  release();
  await room;
  expect(resumed).toBe(true);
  await writer.stop();
});

test("a batch that cannot be stored (full disk) is dropped and counted, the writer goes on", async () => {
  let fail = true;
  const stored: string[] = [];
  const dropped: number[] = [];
  const writer = new LogWriter(
    {
      insert: (records) => {
        if (fail) throw Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" });
        stored.push(...records.map((r) => r.line));
      },
    },
    { flushMs: 1, batchSize: 10, highWater: 100, onDropped: (n) => dropped.push(n) },
  );
  writer.push(record("lost"));
  await writer.flush();
  fail = false;
  writer.push(record("kept"));
  await writer.stop();
  expect(dropped).toEqual([1]);
  expect(stored).toEqual(["kept"]);
  expect(writer.dropped).toBe(1);
});
