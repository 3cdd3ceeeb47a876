import type { Database } from "bun:sqlite";
import {
  type OverviewSums,
  overviewFromSums,
  type SeriesPoint,
  vitalMetrics,
  vitalScale,
} from "../query/types.ts";

const HOUR = 3_600_000;
const DAY = 86_400_000;
type Row = Record<string, number | null>;

/** Visit columns read by the rollup, in this order; the dimension names are the query API's. */
const visitDimensions = [
  "entry",
  "exit",
  "source",
  "referrer",
  "channel",
  "utm_source",
  "utm_medium",
  "utm_campaign",
  "browser",
  "os",
  "device",
  "country",
] as const;

export interface RolledRow {
  value: string;
  visitors: number;
  visits: number;
  pageviews: number;
  events: number;
  bounces: number;
  durationMs: number;
}

interface Accumulator {
  visitors: Set<number>;
  visits: Set<number> | number;
  pageviews: number;
  events: number;
  bounces: number;
  durationMs: number;
}

/**
 * Sums of completed UTC days, computed once per day from the visits and events tables: an
 * overview over 30 days reads 720 hourly rows, a top-pages list 30 x pages rows, instead of
 * scanning millions of events. A day is rolled lazily by the first query that needs it and
 * un-rolled if a late write (bulk import) touches it.
 */
export class SqliteRollups {
  constructor(private readonly db: Database) {}

  ensure(site: string, from: number, to: number): number {
    let rolled = 0;
    const done = new Set(
      (
        this.db
          .query("SELECT day FROM rolled_days WHERE site = ? AND day >= ? AND day < ?")
          .all(site, from / DAY, to / DAY) as { day: number }[]
      ).map((r) => r.day),
    );
    for (let day = from / DAY; day < to / DAY; day++) {
      if (done.has(day)) continue;
      this.db.transaction(() => this.rollDay(site, day))();
      rolled++;
    }
    return rolled;
  }

  invalidate(site: string, day: number): void {
    this.db.query("DELETE FROM rolled_days WHERE site = ? AND day = ?").run(site, day);
    this.db
      .query("DELETE FROM hourly_rollups WHERE site = ? AND hour >= ? AND hour < ?")
      .run(site, day * 24, day * 24 + 24);
    this.db.query("DELETE FROM daily_breakdowns WHERE site = ? AND day = ?").run(site, day);
    this.db.query("DELETE FROM daily_vitals WHERE site = ? AND day = ?").run(site, day);
  }

  sums(site: string, from: number, to: number): OverviewSums {
    const r = this.db
      .query(`SELECT sum(new_visitors) AS visitors, sum(visits) AS visits, sum(pageviews) AS pageviews,
        sum(bounces) AS bounces, sum(duration_ms) AS durationMs FROM hourly_rollups
        WHERE site = ? AND hour >= ? AND hour < ?`)
      .get(site, from / HOUR, to / HOUR) as Row;
    return {
      visitors: r.visitors ?? 0,
      visits: r.visits ?? 0,
      pageviews: r.pageviews ?? 0,
      bounces: r.bounces ?? 0,
      durationMs: r.durationMs ?? 0,
    };
  }

  series(site: string, from: number, to: number, interval: "hour" | "day"): SeriesPoint[] {
    const perDay = interval === "day";
    const rows = this.db
      .query(`SELECT ${perDay ? "hour / 24 * 24" : "hour"} AS bucket,
        sum(${perDay ? "new_visitors" : "visitors"}) AS visitors, sum(visits) AS visits, sum(pageviews) AS pageviews,
        sum(bounces) AS bounces, sum(duration_ms) AS durationMs FROM hourly_rollups
        WHERE site = ? AND hour >= ? AND hour < ? GROUP BY bucket`)
      .all(site, from / HOUR, to / HOUR) as Row[];
    return rows.map((r) => ({
      t: Number(r.bucket) * HOUR,
      ...overviewFromSums({
        visitors: r.visitors ?? 0,
        visits: r.visits ?? 0,
        pageviews: r.pageviews ?? 0,
        bounces: r.bounces ?? 0,
        durationMs: r.durationMs ?? 0,
      }),
    }));
  }

  /** Rows of one dimension summed over whole days; `value` narrows to one value (filtered overview). */
  breakdown(site: string, dimension: string, from: number, to: number, value?: string): RolledRow[] {
    return this.db
      .query(`SELECT value, sum(visitors) AS visitors, sum(visits) AS visits, sum(pageviews) AS pageviews,
        sum(events) AS events, sum(bounces) AS bounces, sum(duration_ms) AS durationMs FROM daily_breakdowns
        WHERE site = ? AND dimension = ? AND day >= ? AND day < ? ${value === undefined ? "" : "AND value = ?"}
        GROUP BY value`)
      .all(site, dimension, from / DAY, to / DAY, ...(value === undefined ? [] : [value])) as RolledRow[];
  }

  vitalsHistogram(site: string, metric: string, from: number, to: number): [number, number][] {
    return this.db
      .query(`SELECT value, sum(samples) FROM daily_vitals WHERE site = ? AND metric = ? AND day >= ? AND day < ?
        GROUP BY value ORDER BY value`)
      .values(site, metric, from / DAY, to / DAY) as [number, number][];
  }

  private rollDay(site: string, day: number): void {
    const start = day * DAY;
    const end = start + DAY;
    this.rollVisits(site, day, start, end);
    this.rollEvents(site, day, start, end);
    for (const metric of vitalMetrics) {
      this.db
        .query(`INSERT OR REPLACE INTO daily_vitals (site, metric, day, value, samples)
          SELECT ?, ?, ?, CAST(round(${metric} * ${vitalScale[metric]}) AS INTEGER) AS v, count(*) FROM vitals
          WHERE site = ? AND ts >= ? AND ts < ? AND ${metric} IS NOT NULL GROUP BY v`)
        .run(site, metric, day, site, start, end);
    }
    this.db.query("INSERT OR REPLACE INTO rolled_days (site, day) VALUES (?, ?)").run(site, day);
  }

  private rollVisits(site: string, day: number, start: number, end: number): void {
    const hours = new Map<number, Accumulator & { newVisitors: number }>();
    const firstSeen = new Map<number, number>();
    const dims = visitDimensions.map(() => new Map<string, Accumulator>());
    const rows = this.db
      .query(`SELECT visitor, started, ended, pageviews, events, ${visitDimensions.join(", ")}
        FROM sessions WHERE site = ? AND started >= ? AND started < ?`)
      .values(site, start, end) as (number | string | null)[][];
    for (const row of rows) {
      const visitor = row[0] as number;
      const started = row[1] as number;
      const duration = (row[2] as number) - started;
      const pageviews = row[3] as number;
      const bounce = (row[4] as number) <= 1 ? 1 : 0;
      const hour = Math.floor((started - start) / HOUR);
      let h = hours.get(hour);
      if (!h) {
        h = {
          visitors: new Set(),
          visits: 0,
          pageviews: 0,
          events: 0,
          bounces: 0,
          durationMs: 0,
          newVisitors: 0,
        };
        hours.set(hour, h);
      }
      add(h, visitor, pageviews, bounce, duration);
      const seen = firstSeen.get(visitor);
      if (seen === undefined || started < seen) firstSeen.set(visitor, started);
      dims.forEach((dim, d) => {
        const value = (row[5 + d] as string | null) ?? "";
        let acc = dim.get(value);
        if (!acc) {
          acc = { visitors: new Set(), visits: 0, pageviews: 0, events: 0, bounces: 0, durationMs: 0 };
          dim.set(value, acc);
        }
        add(acc, visitor, pageviews, bounce, duration);
      });
    }
    for (const first of firstSeen.values()) {
      const h = hours.get(Math.floor((first - start) / HOUR));
      if (h) h.newVisitors++;
    }
    const insertHour = this.db.prepare(
      "INSERT OR REPLACE INTO hourly_rollups VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    );
    for (const [hour, h] of hours) {
      insertHour.run(
        site,
        day * 24 + hour,
        h.visitors.size,
        h.newVisitors,
        h.visits as number,
        h.pageviews,
        h.bounces,
        h.durationMs,
      );
    }
    visitDimensions.forEach((dimension, d) => {
      this.insertBreakdown(site, day, dimension, dims[d] ?? new Map());
    });
  }

  private rollEvents(site: string, day: number, start: number, end: number): void {
    const pages = new Map<string, Accumulator>();
    const events = new Map<string, Accumulator>();
    const props = new Map<string, Accumulator>();
    const rows = this.db
      .query("SELECT name, path, visitor, session, props FROM events WHERE site = ? AND ts >= ? AND ts < ?")
      .values(site, start, end) as [string, string, number, number, string | null][];
    const bump = (
      map: Map<string, Accumulator>,
      key: string,
      visitor: number,
      session: number,
      pageview: boolean,
    ) => {
      let acc = map.get(key);
      if (!acc) {
        acc = { visitors: new Set(), visits: new Set(), pageviews: 0, events: 0, bounces: 0, durationMs: 0 };
        map.set(key, acc);
      }
      acc.visitors.add(visitor);
      (acc.visits as Set<number>).add(session);
      acc.events++;
      if (pageview) acc.pageviews++;
    };
    for (const [name, path, visitor, session, rawProps] of rows) {
      if (name === "pageview") {
        bump(pages, path, visitor, session, true);
        continue;
      }
      bump(events, name, visitor, session, false);
      if (rawProps) {
        for (const [prop, value] of Object.entries(JSON.parse(rawProps) as Record<string, unknown>)) {
          bump(props, propKey(name, prop, String(value)), visitor, session, false);
        }
      }
    }
    this.insertBreakdown(site, day, "page", pages);
    this.insertBreakdown(site, day, "event", events);
    this.insertBreakdown(site, day, "prop", props);
  }

  private insertBreakdown(
    site: string,
    day: number,
    dimension: string,
    rows: Map<string, Accumulator>,
  ): void {
    const insert = this.db.prepare(
      "INSERT OR REPLACE INTO daily_breakdowns VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    );
    for (const [value, a] of rows) {
      const visits = typeof a.visits === "number" ? a.visits : a.visits.size;
      insert.run(
        site,
        dimension,
        day,
        value,
        a.visitors.size,
        visits,
        a.pageviews,
        a.events,
        a.bounces,
        a.durationMs,
      );
    }
  }
}

function add(acc: Accumulator, visitor: number, pageviews: number, bounce: number, duration: number): void {
  acc.visitors.add(visitor);
  acc.visits = (acc.visits as number) + 1;
  acc.pageviews += pageviews;
  acc.bounces += bounce;
  acc.durationMs += duration;
}

/** Event props are rolled up under one key per (event, prop, value). */
export function propKey(name: string, prop: string, value: string): string {
  return `${name}\u0000${prop}\u0000${value}`;
}
