import { expect, test } from "bun:test";
import {
  computeFunnel,
  funnelMatchSql,
  percentileFromHistogram,
  percentileRank,
  percentilesFromHistogram,
  vitalFromHistogram,
} from "./funnel.ts";

const ev = (session: number, ts: number, name: string, path = "/") => ({ session, ts, name, path });

test("steps must happen in order within one visit; visits may interleave", () => {
  const steps = [{ page: "/" }, { page: "/pricing" }, { event: "signup" }];
  const result = computeFunnel(steps, [
    ev(1, 1, "pageview", "/"),
    ev(2, 2, "pageview", "/pricing"), // visit 2 starts at step 2: never enters the funnel
    ev(1, 3, "pageview", "/blog"),
    ev(1, 4, "pageview", "/pricing"),
    ev(3, 5, "signup"),
    ev(3, 6, "pageview", "/"),
    ev(1, 7, "signup"),
    ev(3, 8, "pageview", "/pricing"),
  ]);
  expect(result.steps.map((s) => [s.visits, s.conversionRate, s.fromPreviousRate])).toEqual([
    [2, 1, 1],
    [2, 1, 1],
    [1, 0.5, 0.5],
  ]);
});

test("nearest-rank percentiles", () => {
  expect(percentileRank(0.5, 4)).toBe(2);
  expect(percentileRank(0.95, 1)).toBe(1);
  const histogram: [number, number][] = [
    [10, 50],
    [20, 45],
    [500, 5],
  ];
  expect(percentileFromHistogram(0.5, histogram, 100)).toBe(10);
  expect(percentileFromHistogram(0.95, histogram, 100)).toBe(20);
  expect(percentileFromHistogram(0.96, histogram, 100)).toBe(500);
  expect(percentileFromHistogram(0.5, [], 0)).toBeNull();
});

test("histogram percentiles are scaled back to the metric's unit", () => {
  // CLS is stored in thousandths: 50 samples of 0.01 and 50 of 0.25.
  const cls: [number, number][] = [
    [10, 50],
    [250, 50],
  ];
  expect(percentilesFromHistogram(cls, 1000)).toEqual({ samples: 100, p50: 0.01, p75: 0.25, p95: 0.25 });
  expect(percentilesFromHistogram([], 1)).toEqual({ samples: 0, p50: null, p75: null, p95: null });
});

test("Web Vitals ratings: good up to the first threshold, poor above the second", () => {
  // LCP in ms: 2500 is still good, 4000 still needs improvement, 4001 is poor.
  const lcp = vitalFromHistogram("lcp", [
    [1200, 2],
    [2500, 1],
    [4000, 3],
    [4001, 2],
  ]);
  expect(lcp.ratings).toEqual({ good: 0.375, needsImprovement: 0.375, poor: 0.25 });
  expect(lcp.p75).toBe(4000);
  // CLS in thousandths: 0.1 good, 0.25 needs improvement.
  const cls = vitalFromHistogram("cls", [
    [100, 1],
    [250, 1],
    [300, 2],
  ]);
  expect(cls.ratings).toEqual({ good: 0.25, needsImprovement: 0.25, poor: 0.5 });
});

test("funnel match reads pageviews of the step pages and the step events only", () => {
  expect(funnelMatchSql(["?", "?"], ["?"])).toBe("(name = 'pageview' AND path IN (?, ?)) OR name IN (?)");
  expect(funnelMatchSql([], ["'signup'"])).toBe("name IN ('signup')");
});
