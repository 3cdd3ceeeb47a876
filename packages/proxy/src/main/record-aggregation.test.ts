import { expect, test } from "bun:test";
import { RecordPacker, unpackRecords } from "../shared/record-batch.ts";
import type { RequestRecord } from "../shared/request-record.ts";
import { aggregatePackedRecords, aggregateRequestRecords } from "./record-aggregation.ts";

const rec = (ts: number, appId: string | null, status: number, durationMs: number): RequestRecord => ({
  ts,
  host: "h.test",
  routeId: "r",
  appId,
  status,
  durationMs,
  bytesIn: 10,
  bytesOut: 100,
  upstream: null,
});

test("groups per app and minute with status classes, nearest-rank percentiles and bytes", () => {
  const m0 = 1_700_000_040_000;
  const records = [
    ...Array.from({ length: 100 }, (_, i) => rec(m0 + i, "web", i < 90 ? 200 : 503, i + 1)),
    rec(m0 + 5, "api", 301, 7),
    rec(m0 + 5, "api", 404, 9),
    rec(m0 + 60_000, "web", 200, 3),
  ];
  const out = aggregateRequestRecords(records);
  expect(out.map((a) => [a.minute, a.appId, a.count])).toEqual([
    [m0, "api", 2],
    [m0, "web", 100],
    [m0 + 60_000, "web", 1],
  ]);
  const web = out[1]!;
  expect(web).toMatchObject({
    status2xx: 90,
    status5xx: 10,
    p50Ms: 50,
    p95Ms: 95,
    p99Ms: 99,
    bytesIn: 1000,
    bytesOut: 10_000,
  });
  expect(out[0]).toMatchObject({ status3xx: 1, status4xx: 1, p50Ms: 7, p99Ms: 9 });
});

test("aggregating packed records gives what aggregating the unpacked records gives", () => {
  const p = new RecordPacker(4_096);
  const apps = [null, "shop", "blog", "api"];
  let seed = 7;
  const next = (m: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return Math.floor(seed / 65_536) % m;
  };
  const now = performance.now();
  // Three minutes, four apps (one null), interleaved, so groups recur out of order.
  for (let i = 0; i < 3_000; i++) {
    const app = apps[next(4)]!;
    p.add(
      "h.test",
      app,
      app,
      [200, 204, 301, 404, 502, 503][next(6)]!,
      now - next(3) * 60_000,
      next(5_000) / 7,
      next(900),
      next(90_000),
      null,
    );
  }
  const packed = p.take();
  const fromPacked = aggregatePackedRecords(packed);
  expect(fromPacked).toEqual(aggregateRequestRecords(unpackRecords(packed)));
  expect(fromPacked.length).toBeGreaterThanOrEqual(8);
  expect(fromPacked.reduce((t, a) => t + a.count, 0)).toBe(3_000);
  expect(aggregatePackedRecords(new RecordPacker(4).take())).toEqual([]);
});
