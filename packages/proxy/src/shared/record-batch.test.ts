import { expect, test } from "bun:test";
import { RecordPacker, unpackRecords } from "./record-batch.ts";

test("packed records round-trip with nulls and interned strings; full batches say so", () => {
  const p = new RecordPacker(3);
  expect(p.add("a.test", "r1", null, 200, performance.now(), 1.5, 100, 2000, "http://127.0.0.1:1")).toBe(
    false,
  );
  expect(p.add("a.test", null, null, 404, performance.now(), 0.25, 80, 300, null)).toBe(false);
  expect(p.add("b.test", "r1", "app", 502, performance.now(), 3, 0, 10, "http://127.0.0.1:1")).toBe(true);
  const packed = p.take();
  expect(packed.strings).toEqual(["a.test", "r1", "http://127.0.0.1:1", "b.test", "app"]);
  const records = unpackRecords(packed);
  expect(records.map(({ ts: _ts, ...r }) => r)).toEqual([
    {
      host: "a.test",
      routeId: "r1",
      appId: null,
      status: 200,
      durationMs: 1.5,
      bytesIn: 100,
      bytesOut: 2000,
      upstream: "http://127.0.0.1:1",
    },
    {
      host: "a.test",
      routeId: null,
      appId: null,
      status: 404,
      durationMs: 0.25,
      bytesIn: 80,
      bytesOut: 300,
      upstream: null,
    },
    {
      host: "b.test",
      routeId: "r1",
      appId: "app",
      status: 502,
      durationMs: 3,
      bytesIn: 0,
      bytesOut: 10,
      upstream: "http://127.0.0.1:1",
    },
  ]);
  expect(Math.abs(records[0]!.ts - Date.now())).toBeLessThan(1_000);
  expect(p.take().count).toBe(0);
});

test("a string repeated after take() is interned again in the new batch, not given the old id", () => {
  const p = new RecordPacker(8);
  p.add("x.test", "r1", null, 200, performance.now(), 1, 1, 1, "http://127.0.0.1:1");
  p.add("y.test", "r1", null, 200, performance.now(), 1, 1, 1, "http://127.0.0.1:1");
  p.take();
  p.add("only.test", null, null, 200, performance.now(), 1, 1, 1, null);
  p.add("x.test", "r1", "app", 200, performance.now(), 1, 1, 1, "http://127.0.0.1:1");
  p.add("x.test", "r1", "app", 200, performance.now(), 1, 1, 1, "http://127.0.0.1:1");
  const packed = p.take();
  expect(packed.strings).toEqual(["only.test", "x.test", "r1", "app", "http://127.0.0.1:1"]);
  const records = unpackRecords(packed);
  expect(records.map((r) => [r.host, r.routeId, r.appId, r.upstream])).toEqual([
    ["only.test", null, null, null],
    ["x.test", "r1", "app", "http://127.0.0.1:1"],
    ["x.test", "r1", "app", "http://127.0.0.1:1"],
  ]);
});

test("a record's ts is the wall-clock time of its arrival, from the monotonic start it was given", () => {
  const p = new RecordPacker(4);
  p.add("a.test", null, null, 200, performance.now() - 5_000, 1, 1, 1, null);
  const [r] = unpackRecords(p.take());
  expect(Math.abs(r!.ts - (Date.now() - 5_000))).toBeLessThan(100);
});

test("a batch grows while it fills, keeps every record, and the next one is sized by what it held", () => {
  const p = new RecordPacker(8, 2);
  const full: boolean[] = [];
  for (let i = 0; i < 8; i++)
    full.push(p.add("a.test", null, null, 200 + i, performance.now(), i, i, i, null));
  // Full only at the maximum: 2 and 4 records double the buffer instead.
  expect(full).toEqual([false, false, false, false, false, false, false, true]);
  expect(unpackRecords(p.take()).map((r) => r.status)).toEqual([200, 201, 202, 203, 204, 205, 206, 207]);
  expect(p.capacity).toBe(8);
  p.add("a.test", null, null, 200, performance.now(), 1, 1, 1, null);
  expect(unpackRecords(p.take()).length).toBe(1);
  expect(p.capacity).toBe(2);
});
