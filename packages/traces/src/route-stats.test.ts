import { expect, test } from "bun:test";
import { percentile, routeStats } from "./route-stats.ts";

test("nearest-rank percentiles", () => {
  const values = Array.from({ length: 100 }, (_, i) => i + 1);
  expect(percentile(values, 50)).toBe(50);
  expect(percentile(values, 95)).toBe(95);
  expect(percentile(values, 99)).toBe(99);
  expect(percentile([7], 99)).toBe(7);
  expect(percentile([], 50)).toBe(0);
});

test("routes are grouped per service, bucketed in time and sorted slowest p95 first", () => {
  const minute = 60_000;
  const sample = (route: string, minuteIndex: number, ms: number, error = false) => ({
    service: "shop",
    route,
    startUs: (minuteIndex * minute + 5) * 1000,
    durationUs: ms * 1000,
    error,
  });
  const stats = routeStats(
    [
      sample("GET /fast", 0, 1),
      sample("GET /fast", 0, 3),
      sample("GET /fast", 1, 2),
      sample("GET /slow", 0, 100),
      sample("GET /slow", 1, 300, true),
    ],
    minute,
  );
  expect(stats.map((s) => s.route)).toEqual(["GET /slow", "GET /fast"]);
  const slow = stats[0]!;
  expect(slow).toMatchObject({ count: 2, errors: 1, p50: 100, p99: 300 });
  expect(slow.series).toEqual([
    { start: 0, count: 1, errors: 0, p50: 100, p95: 100, p99: 100 },
    { start: minute, count: 1, errors: 1, p50: 300, p95: 300, p99: 300 },
  ]);
  expect(stats[1]!.series.map((b) => b.count)).toEqual([2, 1]);
});
