import { expect, test } from "bun:test";
import { mergeRequestMinutes, requestWeightedMean, summarizeRequestMetrics } from "./request-metrics.ts";

const row = (minute: number, requests: number, p95: number, s5 = 0) => ({
  minute: new Date(minute * 60_000),
  requests,
  status2xx: requests - s5,
  status3xx: 0,
  status4xx: 0,
  status5xx: s5,
  p50Ms: 1,
  p95Ms: p95,
  p99Ms: p95 * 2,
  bytesIn: 10,
  bytesOut: 100,
});

test("sums status classes and weights latency by requests, merging flushes of one minute", () => {
  const s = summarizeRequestMetrics(
    [row(1, 30, 10), row(1, 10, 50, 2), row(2, 60, 5), row(9, 1, 1)],
    60_000,
    180_000,
  );
  expect(s.requests).toBe(100);
  expect(s.status).toEqual({ "2xx": 98, "3xx": 0, "4xx": 0, "5xx": 2 });
  expect(s.latencyMs.p95).toBe((30 * 10 + 10 * 50 + 60 * 5) / 100);
  expect(s.series).toEqual([
    { t: 60_000, requests: 40, errors5xx: 2, p95Ms: 20 },
    { t: 120_000, requests: 60, errors5xx: 0, p95Ms: 5 },
  ]);
  expect(s.ratePerMinute).toBe(50);
});

test("requestWeightedMean weights each row's percentile by its requests, unrounded", () => {
  expect(requestWeightedMean([row(1, 1, 100), row(1, 3, 0)], "p95Ms")).toBe(25);
  expect(requestWeightedMean([row(1, 2, 10), row(1, 1, 11)], "p95Ms")).toBeCloseTo(31 / 3, 12);
  // A row without requests carries no weight, and no requests at all is 0 rather than NaN.
  expect(requestWeightedMean([row(1, 0, 900), row(1, 2, 4)], "p95Ms")).toBe(4);
  expect(requestWeightedMean([row(1, 0, 900)], "p95Ms")).toBe(0);
  expect(requestWeightedMean([], "p50Ms")).toBe(0);
});

test("mergeRequestMinutes gives one ascending row per minute: counts summed, percentiles weighted", () => {
  const merged = mergeRequestMinutes([row(2, 60, 5), row(1, 30, 10), row(1, 10, 50, 2)]);
  expect(merged.map((m) => m.minute.getTime())).toEqual([60_000, 120_000]);
  expect(merged[0]).toEqual({
    minute: new Date(60_000),
    requests: 40,
    status2xx: 38,
    status3xx: 0,
    status4xx: 0,
    status5xx: 2,
    p50Ms: 1,
    p95Ms: 20,
    p99Ms: 40,
    bytesIn: 20,
    bytesOut: 200,
  });
  expect(merged[1]).toMatchObject({ requests: 60, p95Ms: 5, p99Ms: 10 });
});
