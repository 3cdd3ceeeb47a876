import { expect, test } from "bun:test";
import { mergeMetricRows } from "./metrics.ts";

const row = (minute: number, requests: number, p50: number, s5 = 0) => ({
  appKey: "app_1",
  minute: new Date(minute),
  requests,
  status2xx: requests - s5,
  status3xx: 0,
  status4xx: 0,
  status5xx: s5,
  p50Ms: p50,
  p95Ms: p50 * 2,
  p99Ms: p50 * 3,
  bytesIn: 0,
  bytesOut: 0,
});

test("rows of one minute are summed and percentiles weighted by requests", () => {
  const points = mergeMetricRows([row(120_000, 30, 10), row(60_000, 1, 5), row(120_000, 10, 50, 2)]);
  expect(points.map((p) => p.minute)).toEqual([
    new Date(60_000).toISOString(),
    new Date(120_000).toISOString(),
  ]);
  expect(points[1]).toMatchObject({
    requests: 40,
    status2xx: 38,
    status5xx: 2,
    p50Ms: 20,
    p95Ms: 40,
    p99Ms: 60,
  });
});

test("points carry whole milliseconds and no bytes, in the API's key order", () => {
  const [point] = mergeMetricRows([row(60_000, 1, 1), row(60_000, 2, 2)]);
  expect(JSON.stringify(point)).toBe(
    JSON.stringify({
      minute: new Date(60_000).toISOString(),
      requests: 3,
      status2xx: 3,
      status3xx: 0,
      status4xx: 0,
      status5xx: 0,
      p50Ms: 2,
      p95Ms: 3,
      p99Ms: 5,
    }),
  );
});
