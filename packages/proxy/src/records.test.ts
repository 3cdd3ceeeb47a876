import { expect, test } from "bun:test";
import { aggregateRequestRecords, type RequestRecord } from "./records.ts";

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
