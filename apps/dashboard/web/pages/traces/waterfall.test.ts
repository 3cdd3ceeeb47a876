import { expect, test } from "bun:test";
import { waterfall } from "./waterfall.ts";

test("tree order with depths and bar geometry; orphans become roots", () => {
  const { rows, totalMs } = waterfall([
    { spanId: "c", parentSpanId: "a", start: 1050, durationMs: 25 },
    { spanId: "a", parentSpanId: null, start: 1000, durationMs: 100 },
    { spanId: "b", parentSpanId: "a", start: 1010, durationMs: 30 },
    { spanId: "d", parentSpanId: "b", start: 1012, durationMs: 5 },
    { spanId: "x", parentSpanId: "missing", start: 1090, durationMs: 10 },
  ]);
  expect(totalMs).toBe(100);
  expect(rows.map((r) => [r.span.spanId, r.depth])).toEqual([
    ["a", 0],
    ["b", 1],
    ["d", 2],
    ["c", 1],
    ["x", 0],
  ]);
  expect(rows[1]).toMatchObject({ offsetPct: 10, widthPct: 30 });
  expect(waterfall([]).rows).toEqual([]);
});
