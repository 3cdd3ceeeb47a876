import type { Database } from "bun:sqlite";
import {
  type OverviewSums,
  overviewFromSums,
  type SeriesPoint,
  sessionDimensions,
  vitalMetrics,
  vitalScale,
} from "../query/types.ts";

const HOUR = 3_600_000;
const DAY = 86_400_000;
type Row = Record<string, number | null>;

/** Visit columns read by the rollup: the sessions table names its columns after the query API's dimensions. */
const visitDimensions = sessionDimensions;

export interface RolledRow {
  value: string;
  visitors: number;
  visits: number;
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
    const visits = this.rollVisits(site, day, start, end);
    this.rollEvents(site, day, start, end, visits);
    this.rollVitals(site, day, start, end);
    this.db.query("INSERT OR REPLACE INTO rolled_days (site, day) VALUES (?, ?)").run(site, day);
  }

  /**
   * Visits are read sorted by visitor, so distinct visitors per hour and per dimension value are
   * counted per visitor group (mostly one visit) instead of with a Set per value, which was many
   * times slower on busy days (docs/performance.md, Measured while building), and this runs on the
   * console's thread.
   */
  private rollVisits(site: string, day: number, start: number, end: number): Map<number, VisitFacts> {
    const facts = new Map<number, VisitFacts>();
    const hours = new Map<number, Sums & { visitors: number; newVisitors: number }>();
    const dims = visitDimensions.map(() => new Map<string, Sums & { visitors: number }>());
    const rows = this.db
      .query(`SELECT visitor, started, ended, pageviews, events, ${visitDimensions.join(", ")}, id
        FROM sessions WHERE site = ? AND started >= ? AND started < ? ORDER BY visitor`)
      .values(site, start, end) as (number | string | null)[][];
    const hourOf = (row: (number | string | null)[]) => Math.floor(((row[1] as number) - start) / HOUR);
    const dimensionValue = (row: (number | string | null)[], d: number) =>
      (row[5 + d] as string | null) ?? "";
    forEachGroup(rows, (group) => {
      let first = group[0] as (number | string | null)[];
      for (const row of group) {
        if ((row[1] as number) < (first[1] as number)) first = row;
        const duration = (row[2] as number) - (row[1] as number);
        const bounce = (row[4] as number) <= 1 ? 1 : 0;
        facts.set(row[5 + visitDimensions.length] as number, {
          pageviews: row[3] as number,
          bounce,
          duration,
        });
        addVisit(getOr(hours, hourOf(row), newHour), row[3] as number, bounce, duration);
        dims.forEach((dim, d) => {
          addVisit(getOr(dim, dimensionValue(row, d), newValue), row[3] as number, bounce, duration);
        });
      }
      getOr(hours, hourOf(first), newHour).newVisitors++;
      for (const hour of distinct(group, hourOf)) getOr(hours, hour, newHour).visitors++;
      dims.forEach((dim, d) => {
        for (const value of distinct(group, (row) => dimensionValue(row, d)))
          getOr(dim, value, newValue).visitors++;
      });
    });
    const insertHour = this.db.prepare(
      "INSERT OR REPLACE INTO hourly_rollups VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    );
    for (const [hour, h] of hours) {
      insertHour.run(
        site,
        day * 24 + hour,
        h.visitors,
        h.newVisitors,
        h.visits,
        h.pageviews,
        h.bounces,
        h.durationMs,
      );
    }
    visitDimensions.forEach((dimension, d) => {
      this.insertBreakdown(site, day, dimension, dims[d] ?? new Map());
    });
    return facts;
  }

  /** Pages, custom events and their props; events sorted by visitor then visit for the same reason. */
  private rollEvents(
    site: string,
    day: number,
    start: number,
    end: number,
    visits: Map<number, VisitFacts>,
  ): void {
    const pages = new Map<string, Sums & { visitors: number }>();
    // Visits that viewed a page, with their whole-visit sums: the overview filtered by that page.
    const pageVisits = new Map<string, Sums & { visitors: number }>();
    const events = new Map<string, Sums & { visitors: number }>();
    const props = new Map<string, Sums & { visitors: number }>();
    const rows = this.db
      .query(`SELECT visitor, session, name, path, props FROM events WHERE site = ? AND ts >= ? AND ts < ?
        ORDER BY visitor, session`)
      .values(site, start, end) as [number, number, string, string, string | null][];
    const keysOf = (row: [number, number, string, string, string | null]) => {
      const [, , name, path, rawProps] = row;
      if (name === "pageview") return [["page", path] as const];
      const keys: (readonly ["event" | "prop", string])[] = [["event", name]];
      if (rawProps) {
        for (const [prop, value] of Object.entries(JSON.parse(rawProps) as Record<string, unknown>)) {
          keys.push(["prop", propKey(name, prop, String(value))]);
        }
      }
      return keys;
    };
    const target = { page: pages, event: events, prop: props };
    forEachGroup(rows, (visitorRows) => {
      const seenByVisitor = new Set<string>();
      let visitRows: typeof rows = [];
      const closeVisit = () => {
        const seenInVisit = new Set<string>();
        for (const row of visitRows) {
          for (const [kind, key] of keysOf(row)) {
            const acc = getOr(target[kind], key, newValue);
            acc.events++;
            if (kind === "page") acc.pageviews++;
            const tagged = `${kind}\u0001${key}`;
            if (!seenInVisit.has(tagged)) {
              seenInVisit.add(tagged);
              acc.visits++;
            }
            if (!seenByVisitor.has(tagged)) {
              seenByVisitor.add(tagged);
              acc.visitors++;
            }
          }
        }
        visitRows = [];
      };
      const seenPageVisitors = new Set<string>();
      const countPageVisits = () => {
        const visit = visitRows[0] ? visits.get(visitRows[0][1]) : undefined;
        if (!visit) return;
        const viewed = new Set(visitRows.filter((r) => r[2] === "pageview").map((r) => r[3]));
        for (const path of viewed) {
          const acc = getOr(pageVisits, path, newValue);
          addVisit(acc, visit.pageviews, visit.bounce, visit.duration);
          if (!seenPageVisitors.has(path)) {
            seenPageVisitors.add(path);
            acc.visitors++;
          }
        }
      };
      for (const row of visitorRows) {
        if (visitRows.length && visitRows[0]?.[1] !== row[1]) {
          countPageVisits();
          closeVisit();
        }
        visitRows.push(row);
      }
      countPageVisits();
      closeVisit();
    });
    this.insertBreakdown(site, day, "page", pages);
    this.insertBreakdown(site, day, PAGE_VISITS, pageVisits);
    this.insertBreakdown(site, day, "event", events);
    this.insertBreakdown(site, day, "prop", props);
  }

  private rollVitals(site: string, day: number, start: number, end: number): void {
    const histograms = vitalMetrics.map(() => new Map<number, number>());
    const rows = this.db
      .query(`SELECT ${vitalMetrics.join(", ")} FROM vitals WHERE site = ? AND ts >= ? AND ts < ?`)
      .values(site, start, end) as (number | null)[][];
    for (const row of rows) {
      vitalMetrics.forEach((metric, m) => {
        const raw = row[m];
        if (raw === null || raw === undefined) return;
        const value = Math.round(raw * vitalScale[metric]);
        const histogram = histograms[m] as Map<number, number>;
        histogram.set(value, (histogram.get(value) ?? 0) + 1);
      });
    }
    const insert = this.db.prepare("INSERT OR REPLACE INTO daily_vitals VALUES (?, ?, ?, ?, ?)");
    vitalMetrics.forEach((metric, m) => {
      for (const [value, samples] of histograms[m] ?? []) insert.run(site, metric, day, value, samples);
    });
  }

  private insertBreakdown(
    site: string,
    day: number,
    dimension: string,
    rows: Map<string, Sums & { visitors: number }>,
  ): void {
    const insert = this.db.prepare(
      "INSERT OR REPLACE INTO daily_breakdowns VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    );
    for (const [value, a] of rows) {
      insert.run(
        site,
        dimension,
        day,
        value,
        a.visitors,
        a.visits,
        a.pageviews,
        a.events,
        a.bounces,
        a.durationMs,
      );
    }
  }
}

/** Dimension of `daily_breakdowns` holding, per page, the sums of the visits that viewed it. */
export const PAGE_VISITS = "page_visits";

interface VisitFacts {
  pageviews: number;
  bounce: number;
  duration: number;
}

interface Sums {
  visits: number;
  pageviews: number;
  events: number;
  bounces: number;
  durationMs: number;
}

const newValue = () => ({ visitors: 0, visits: 0, pageviews: 0, events: 0, bounces: 0, durationMs: 0 });
const newHour = () => ({ ...newValue(), newVisitors: 0 });

function getOr<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = create();
    map.set(key, value);
  }
  return value;
}

function addVisit(acc: Sums, pageviews: number, bounce: number, duration: number): void {
  acc.visits++;
  acc.pageviews += pageviews;
  acc.bounces += bounce;
  acc.durationMs += duration;
}

/** Calls `each` with consecutive rows sharing the first column (the visitor). */
function forEachGroup<R extends unknown[]>(rows: R[], each: (group: R[]) => void): void {
  let startIndex = 0;
  for (let i = 1; i <= rows.length; i++) {
    if (i === rows.length || rows[i]?.[0] !== rows[startIndex]?.[0]) {
      each(rows.slice(startIndex, i));
      startIndex = i;
    }
  }
}

function distinct<R, K>(group: R[], key: (row: R) => K): K[] {
  if (group.length === 1) return [key(group[0] as R)];
  return [...new Set(group.map(key))];
}

/** Event props are rolled up under one key per (event, prop, value). */
export function propKey(name: string, prop: string, value: string): string {
  return `${name}\u0000${prop}\u0000${value}`;
}
