import { expect, test } from "bun:test";
import { parseQueryParams } from "./params.ts";

const now = Date.parse("2026-03-10T12:00:00Z");

test("defaults to the last 30 days with day buckets", () => {
  const { query, interval, limit } = parseQueryParams("s", {}, now);
  expect(query.to - query.from).toBe(30 * 86_400_000);
  expect(interval).toBe("day");
  expect(limit).toBe(20);
});

test("explicit dates, hour buckets for short ranges, filters", () => {
  const { query, interval } = parseQueryParams(
    "s",
    { from: "2026-03-01", to: "2026-03-02T00:00:00Z", "filter.country": "DE", "filter.page": "/a" },
    now,
  );
  expect(query.from).toBe(Date.parse("2026-03-01T00:00:00Z"));
  expect(interval).toBe("hour");
  expect(query.filters).toEqual({ country: "DE", page: "/a" });
});

test("rejects unknown filters, inverted and huge ranges", () => {
  expect(() => parseQueryParams("s", { "filter.password": "x" }, now)).toThrow(/unknown filter/);
  expect(() => parseQueryParams("s", { from: "2026-03-02", to: "2026-03-01" }, now)).toThrow(/before/);
  expect(() => parseQueryParams("s", { from: "2020-01-01", to: "2026-03-01" }, now)).toThrow(/400 days/);
});
