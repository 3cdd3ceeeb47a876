import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AnalyticsQuery, SqliteAnalyticsStore } from "@pier/analytics";
import { type GenerateResult, generateEvents } from "./generate.ts";

const DAY = 86_400_000;

export interface QueryFigure {
  name: string;
  medianMs: number;
  maxMs: number;
}

export interface QueryFigures {
  generated: GenerateResult;
  rollupMs: number;
  fileMb: number;
  queries: QueryFigure[];
}

/**
 * Loads `events` events over 30 days into a fresh analytics.db, rolls the completed days up (what
 * the first dashboard query of a day does for that day) and times each query of the dashboard.
 */
export async function queryBenchmark(events: number, runs: number, maxLoadMs: number): Promise<QueryFigures> {
  const dir = mkdtempSync(join(tmpdir(), "pier-bench-analytics-query-"));
  try {
    const store = new SqliteAnalyticsStore({ path: join(dir, "analytics.db") });
    const generated = generateEvents(store, "bench", events, 30, maxLoadMs);
    const today = Math.floor(Date.now() / DAY) * DAY;
    const rollStart = performance.now();
    store.rollUp("bench", today - 30 * DAY, today);
    const rollupMs = performance.now() - rollStart;
    store.db.run("PRAGMA wal_checkpoint(TRUNCATE)");
    const fileMb = statSync(join(dir, "analytics.db")).size / 1e6;

    const now = Date.now();
    const q: AnalyticsQuery = { site: "bench", from: now - 30 * DAY, to: now, filters: {} };
    const cases: [string, () => Promise<unknown>][] = [
      ["overview (30 days)", () => store.overview(q)],
      ["time series by day", () => store.timeseries(q, "day")],
      ["time series by hour", () => store.timeseries(q, "hour")],
      ["top pages", () => store.breakdown(q, "page", 10)],
      ["top sources", () => store.breakdown(q, "source", 10)],
      ["countries", () => store.breakdown(q, "country", 10)],
      ["custom events", () => store.customEvents(q, 10)],
      ["event props", () => store.eventProps(q, "signup", 10)],
      ["Web Vitals percentiles", () => store.vitals(q)],
      ["overview filtered by country", () => store.overview({ ...q, filters: { country: "DE" } })],
      [
        "overview filtered by page (rolled days, raw edges)",
        () => store.overview({ ...q, filters: { page: "/page-1" } }),
      ],
      [
        "funnel / -> /page-1 -> signup (raw scan)",
        () => store.funnel(q, [{ page: "/" }, { page: "/page-1" }, { event: "signup" }]),
      ],
      ["realtime", () => store.realtime("bench", now)],
    ];
    const queries: QueryFigure[] = [];
    for (const [name, run] of cases) {
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t = performance.now();
        await run();
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      queries.push({ name, medianMs: times[Math.floor(times.length / 2)] ?? 0, maxMs: times.at(-1) ?? 0 });
    }
    await store.close();
    return { generated, rollupMs, fileMb, queries };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
