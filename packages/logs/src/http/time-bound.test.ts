import { expect, test } from "bun:test";
import { parseTimeBound } from "./time-bound.ts";

test("durations back from now, dates and epoch ms", () => {
  const now = 10_000_000_000;
  expect(parseTimeBound("1h", now)).toBe(now - 3_600_000);
  expect(parseTimeBound("15m", now)).toBe(now - 900_000);
  expect(parseTimeBound("2d", now)).toBe(now - 172_800_000);
  expect(parseTimeBound("1.5s", now)).toBe(now - 1500);
  expect(parseTimeBound("2026-12-07T06:00:00Z", now)).toBe(Date.parse("2026-12-07T06:00:00Z"));
  expect(parseTimeBound("1765087200000", now)).toBe(1765087200000);
  expect(parseTimeBound("yesterday", now)).toBeNull();
  expect(parseTimeBound("1y", now)).toBeNull();
  expect(parseTimeBound("2026-13-45", now)).toBeNull();
});
