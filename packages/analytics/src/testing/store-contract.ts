import { expect, test } from "bun:test";
import type { AnalyticsStore } from "../query/types.ts";

const DAY = 86_400_000;

/** The same expectations run against every store: the query API must not depend on the backend. */
export function storeContract(
  name: string,
  open: () => Promise<{ store: AnalyticsStore; now: number; firstDay: number }>,
) {
  const all = async () => {
    const { store, firstDay, now } = await open();
    return { store, q: { site: "shop", from: firstDay, to: firstDay + 3 * DAY, filters: {} }, firstDay, now };
  };

  test(`${name}: overview of the known data set (visitors, bounce rate, duration)`, async () => {
    const { store, q } = await all();
    expect(await store.overview(q)).toEqual({
      visitors: 300,
      visits: 360,
      pageviews: 630,
      viewsPerVisit: 1.75,
      bounceRate: 0.25,
      visitDurationMs: 52_500,
    });
  });

  test(`${name}: raw path (filtered) agrees with rollups, partial range`, async () => {
    const { store, q, firstDay } = await all();
    const filtered = await store.overview({ ...q, filters: { device: "desktop" } });
    expect(filtered).toEqual(await store.overview(q));
    const half = { ...q, from: firstDay + DAY / 2 };
    const halfRaw = await store.overview({ ...half, filters: { os: "Linux" } });
    expect(await store.overview(half)).toEqual(halfRaw);
    // Visitors with i >= 72 start after noon on day 0 (i*10 min), 28 visitors, 28+20 visits.
    expect(halfRaw.visitors).toBe(200 + 28);
    expect(halfRaw.visits).toBe(240 + 48);
  });

  test(`${name}: day series and hour series`, async () => {
    const { store, q } = await all();
    const days = await store.timeseries(q, "day");
    expect(days.map((p) => [p.visitors, p.visits, p.pageviews])).toEqual([
      [100, 120, 210],
      [100, 120, 210],
      [100, 120, 210],
    ]);
    const hours = await store.timeseries(q, "hour");
    expect(hours.length).toBe(72);
    expect(hours.reduce((sum, p) => sum + p.visits, 0)).toBe(360);
    // Hour 0 of each day: visitors 0..5 start at 0,10,..50 min.
    expect(hours[0]?.visitors).toBe(6);
  });

  test(`${name}: breakdowns (sources, pages, entry, countries, campaigns)`, async () => {
    const { store, q } = await all();
    const sources = await store.breakdown(q, "source", 10);
    expect(sources).toEqual([
      { value: "Direct / None", visitors: 240, visits: 288, pageviews: 504 },
      { value: "Google", visitors: 60, visits: 72, pageviews: 126 },
    ]);
    const pages = await store.breakdown(q, "page", 10);
    expect(pages.map((p) => [p.value, p.pageviews])).toEqual([
      ["/", 360],
      ["/pricing", 270],
    ]);
    const entry = await store.breakdown(q, "entry", 10);
    expect(entry.map((p) => [p.value, p.visits])).toEqual([
      ["/", 270],
      ["/pricing", 90],
    ]);
    const exit = await store.breakdown(q, "exit", 10);
    expect(exit.map((p) => [p.value, p.visits])).toEqual([
      ["/", 180],
      ["/pricing", 180],
    ]);
    const countries = await store.breakdown(q, "country", 10);
    expect(countries.map((p) => [p.value, p.visitors])).toEqual([
      ["", 150],
      ["DE", 150],
    ]);
    const campaigns = await store.breakdown(
      { ...q, filters: { utm_campaign: "launch" } },
      "utm_campaign",
      10,
    );
    expect(campaigns.map((p) => [p.value, p.visitors])).toEqual([["launch", 30]]);
  });

  test(`${name}: filters narrow every metric`, async () => {
    const { store, q } = await all();
    const google = await store.overview({ ...q, filters: { source: "Google" } });
    expect([google.visitors, google.visits]).toEqual([60, 72]);
    const pricing = await store.overview({ ...q, filters: { page: "/pricing" } });
    // Shapes 1-3 view /pricing: 270 visits, 2 pageviews each, none bounces, 60/90/60 s long.
    expect(pricing).toEqual({
      visitors: 225,
      visits: 270,
      pageviews: 540,
      viewsPerVisit: 2,
      bounceRate: 0,
      visitDurationMs: 70_000,
    });
    // Two filters force the raw path; every visit is on desktop, so the answer must not change.
    expect(await store.overview({ ...q, filters: { page: "/pricing", device: "desktop" } })).toEqual(pricing);
  });

  test(`${name}: custom events with props`, async () => {
    const { store, q } = await all();
    expect(await store.customEvents(q, 10)).toEqual([{ name: "signup", visitors: 75, events: 90 }]);
    expect(await store.eventProps(q, "signup", 10)).toEqual([{ prop: "plan", value: "pro", events: 90 }]);
  });

  test(`${name}: funnel conversion per step`, async () => {
    const { store, q } = await all();
    const steps = [{ page: "/" }, { page: "/pricing" }, { event: "signup" }];
    const funnel = await store.funnel(q, steps);
    expect(funnel.steps.map((s) => [s.visits, s.conversionRate, s.fromPreviousRate])).toEqual([
      [360, 1, 1],
      [180, 0.5, 0.5],
      [90, 0.25, 0.5],
    ]);
  });

  test(`${name}: Web Vitals percentiles (nearest rank)`, async () => {
    const { store, q } = await all();
    const vitals = await store.vitals(q);
    const allGood = { good: 1, needsImprovement: 0, poor: 0 };
    expect(vitals.lcp).toEqual({ samples: 300, p50: 50, p75: 75, p95: 95, ratings: allGood });
    expect(vitals.ttfb).toEqual({ samples: 300, p50: 100, p75: 100, p95: 100, ratings: allGood });
    expect(vitals.inp).toEqual({
      samples: 0,
      p50: null,
      p75: null,
      p95: null,
      ratings: { good: 0, needsImprovement: 0, poor: 0 },
    });
  });

  test(`${name}: realtime counts the last five minutes only`, async () => {
    const { store, now } = await all();
    const live = await store.realtime("shop", now);
    expect(live.visitors).toBe(3);
    expect(live.pages).toEqual([{ path: "/live", visitors: 3 }]);
  });
}
