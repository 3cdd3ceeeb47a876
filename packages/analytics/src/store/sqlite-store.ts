import { Database } from "bun:sqlite";
import type { IngestRecord } from "../ingest/records.ts";
import { utcDay } from "../ingest/visitor.ts";
import { percentileRank } from "../query/funnel.ts";
import {
  type AnalyticsQuery,
  type AnalyticsStore,
  type BreakdownRow,
  type CustomEventRow,
  type Dimension,
  type FunnelEvent,
  type FunnelStep,
  type Overview,
  type OverviewSums,
  overviewFromSums,
  type PropRow,
  type Realtime,
  type SeriesPoint,
  type VitalsSummary,
  vitalMetrics,
} from "../query/types.ts";
import { fillSeries, splitByWholeDays } from "./ranges.ts";
import { sessionDeltas } from "./session-deltas.ts";
import { SqliteRollups } from "./sqlite-rollups.ts";
import { sessionColumn, sqliteAnalyticsDdl } from "./sqlite-schema.ts";

type Row = Record<string, number | string | null>;
const HOUR = 3_600_000;
const DAY = 86_400_000;

export interface SqliteStoreOptions {
  path: string;
  now?: () => number;
}

/** The default analytics store: one SQLite file in WAL mode, batched writes, rollups for whole days. */
export class SqliteAnalyticsStore implements AnalyticsStore {
  readonly kind = "sqlite";
  readonly db: Database;
  private readonly rollups: SqliteRollups;
  private readonly now: () => number;
  private readonly insertEvent;
  private readonly upsertSession;
  private readonly insertVitals;

  constructor(options: SqliteStoreOptions) {
    this.db = new Database(options.path, { create: true, strict: true });
    this.db.run("PRAGMA journal_mode = WAL");
    this.db.run("PRAGMA synchronous = NORMAL");
    this.db.run("PRAGMA busy_timeout = 5000");
    this.db.run("PRAGMA cache_size = -65536");
    for (const ddl of sqliteAnalyticsDdl) this.db.run(ddl);
    this.now = options.now ?? Date.now;
    this.rollups = new SqliteRollups(this.db);
    this.insertEvent = this.db.prepare(
      "INSERT INTO events (site, ts, session, visitor, name, path, props) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    this.insertVitals = this.db.prepare(
      "INSERT INTO vitals (site, ts, path, lcp, cls, inp, ttfb) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    // Batches arrive in time order, so a later batch's first/last pageview wins only where it has one.
    this.upsertSession = this.db.prepare(`INSERT INTO sessions VALUES
      (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (site, id) DO UPDATE SET
        started = min(started, excluded.started), ended = max(ended, excluded.ended),
        pageviews = pageviews + excluded.pageviews, events = events + excluded.events,
        entry = CASE WHEN entry = '' THEN excluded.entry ELSE entry END,
        exit = CASE WHEN excluded.exit <> '' THEN excluded.exit ELSE exit END`);
  }

  async write(batch: IngestRecord[]): Promise<void> {
    this.writeSync(batch);
  }

  /** Synchronous so bulk loaders can push millions of rows without a promise per batch. */
  writeSync(batch: IngestRecord[]): void {
    const events = [];
    const today = utcDay(this.now());
    const touchedPastDays = new Set<string>();
    this.db.transaction(() => {
      for (const record of batch) {
        if (record.kind === "vitals") {
          const v = record.vitals;
          this.insertVitals.run(v.site, v.ts, v.path, v.lcp, v.cls, v.inp, v.ttfb);
          continue;
        }
        const e = record.event;
        events.push(e);
        this.insertEvent.run(e.site, e.ts, e.session, e.visitor, e.name, e.path, e.props);
      }
      for (const d of sessionDeltas(events)) {
        const f = d.facts;
        this.upsertSession.run(
          d.site,
          d.id,
          d.visitor,
          d.started,
          d.ended,
          d.pageviews,
          d.events,
          d.entry,
          d.exit,
          f.source,
          f.referrer,
          f.channel,
          f.utmSource,
          f.utmMedium,
          f.utmCampaign,
          f.browser,
          f.os,
          f.device,
          f.country,
        );
        const day = utcDay(d.started);
        if (day < today) touchedPastDays.add(`${d.site}\n${day}`);
      }
      for (const key of touchedPastDays) {
        const [site, day] = key.split("\n");
        this.rollups.invalidate(site, Number(day));
      }
    })();
  }

  /** Rolls up every completed day in the range that is not rolled yet (also done lazily by queries). */
  rollUp(site: string, from: number, to: number): number {
    return this.rollups.ensure(site, from, Math.min(to, utcDay(this.now()) * DAY));
  }

  async overview(q: AnalyticsQuery): Promise<Overview> {
    const sums: OverviewSums = { visitors: 0, visits: 0, pageviews: 0, bounces: 0, durationMs: 0 };
    for (const segment of this.segments(q)) {
      const s = segment.rolled
        ? this.rollups.sums(q.site, segment.from, segment.to)
        : this.rawSums(q, segment.from, segment.to);
      sums.visitors += s.visitors;
      sums.visits += s.visits;
      sums.pageviews += s.pageviews;
      sums.bounces += s.bounces;
      sums.durationMs += s.durationMs;
    }
    return overviewFromSums(sums);
  }

  async timeseries(q: AnalyticsQuery, interval: "hour" | "day"): Promise<SeriesPoint[]> {
    const unit = interval === "hour" ? HOUR : DAY;
    const points: SeriesPoint[] = [];
    for (const segment of this.segments(q)) {
      if (segment.rolled) {
        points.push(...this.rollups.series(q.site, segment.from, segment.to, interval));
        continue;
      }
      const where = this.sessionWhere(q, segment.from, segment.to);
      const rows = this.db
        .query(`SELECT (started / ${unit}) * ${unit} AS t, count(DISTINCT visitor) AS visitors, count(*) AS visits,
          sum(pageviews) AS pageviews, sum(events <= 1) AS bounces, sum(ended - started) AS durationMs
          FROM sessions WHERE ${where.sql} GROUP BY t`)
        .all(...where.params) as Row[];
      for (const r of rows) points.push({ t: Number(r.t), ...overviewFromSums(sumsOf(r)) });
    }
    return fillSeries(points, q.from, q.to, unit);
  }

  async breakdown(q: AnalyticsQuery, dimension: Dimension, limit: number): Promise<BreakdownRow[]> {
    if (dimension === "page") {
      const filter = this.sessionFilterSql(q);
      const rows = this.db
        .query(`SELECT path AS value, count(DISTINCT visitor) AS visitors, count(DISTINCT session) AS visits,
          count(*) AS pageviews FROM events WHERE site = ? AND ts >= ? AND ts < ? AND name = 'pageview'
          ${q.filters.page !== undefined ? "AND path = ?" : ""} ${filter.sql ? `AND session IN (SELECT id FROM sessions WHERE site = ? AND ${filter.sql})` : ""}
          GROUP BY path ORDER BY visitors DESC, value LIMIT ?`)
        .all(
          q.site,
          q.from,
          q.to,
          ...(q.filters.page !== undefined ? [q.filters.page] : []),
          ...(filter.sql ? [q.site, ...filter.params] : []),
          limit,
        ) as Row[];
      return rows.map(breakdownRow);
    }
    const column = sessionColumn[dimension];
    const where = this.sessionWhere(q, q.from, q.to);
    const rows = this.db
      .query(`SELECT coalesce(${column}, '') AS value, count(DISTINCT visitor) AS visitors, count(*) AS visits,
        sum(pageviews) AS pageviews FROM sessions WHERE ${where.sql} GROUP BY value ORDER BY visitors DESC, value LIMIT ?`)
      .all(...where.params, limit) as Row[];
    return rows.map(breakdownRow);
  }

  async customEvents(q: AnalyticsQuery, limit: number): Promise<CustomEventRow[]> {
    const filter = this.sessionFilterSql(q);
    const rows = this.db
      .query(`SELECT name, count(DISTINCT visitor) AS visitors, count(*) AS events FROM events
        WHERE site = ? AND ts >= ? AND ts < ? AND name <> 'pageview'
        ${filter.sql ? `AND session IN (SELECT id FROM sessions WHERE site = ? AND ${filter.sql})` : ""}
        GROUP BY name ORDER BY events DESC, name LIMIT ?`)
      .all(q.site, q.from, q.to, ...(filter.sql ? [q.site, ...filter.params] : []), limit) as Row[];
    return rows.map((r) => ({
      name: String(r.name),
      visitors: Number(r.visitors),
      events: Number(r.events),
    }));
  }

  async eventProps(q: AnalyticsQuery, name: string, limit: number): Promise<PropRow[]> {
    const rows = this.db
      .query(`SELECT j.key AS prop, CAST(j.value AS TEXT) AS value, count(*) AS events
        FROM events, json_each(events.props) AS j
        WHERE events.site = ? AND events.ts >= ? AND events.ts < ? AND events.name = ? AND events.props IS NOT NULL
        GROUP BY prop, value ORDER BY events DESC, prop, value LIMIT ?`)
      .all(q.site, q.from, q.to, name, limit) as Row[];
    return rows.map((r) => ({ prop: String(r.prop), value: String(r.value), events: Number(r.events) }));
  }

  async vitals(q: AnalyticsQuery): Promise<VitalsSummary> {
    const out = {} as VitalsSummary;
    const page = q.filters.page;
    const base = `FROM vitals WHERE site = ? AND ts >= ? AND ts < ? ${page !== undefined ? "AND path = ?" : ""}`;
    const params = [q.site, q.from, q.to, ...(page !== undefined ? [page] : [])];
    for (const metric of vitalMetrics) {
      const n = Number((this.db.query(`SELECT count(${metric}) AS n ${base}`).get(...params) as Row).n);
      const at = (p: number) =>
        n === 0
          ? null
          : Number(
              (
                this.db
                  .query(
                    `SELECT ${metric} AS v ${base} AND ${metric} IS NOT NULL ORDER BY ${metric} LIMIT 1 OFFSET ?`,
                  )
                  .get(...params, percentileRank(p, n) - 1) as Row
              ).v,
            );
      out[metric] = { samples: n, p50: at(0.5), p75: at(0.75), p95: at(0.95) };
    }
    return out;
  }

  async realtime(site: string, now: number): Promise<Realtime> {
    const since = now - 5 * 60_000;
    const totals = this.db
      .query(`SELECT count(DISTINCT visitor) AS visitors, count(*) FILTER (WHERE name = 'pageview') AS pageviews
        FROM events WHERE site = ? AND ts >= ?`)
      .get(site, since) as Row;
    const pages = this.db
      .query(`SELECT path, count(DISTINCT visitor) AS visitors FROM events
        WHERE site = ? AND ts >= ? AND name = 'pageview' GROUP BY path ORDER BY visitors DESC, path LIMIT 10`)
      .all(site, since) as Row[];
    return {
      visitors: Number(totals.visitors),
      pageviews: Number(totals.pageviews ?? 0),
      pages: pages.map((p) => ({ path: String(p.path), visitors: Number(p.visitors) })),
    };
  }

  async funnelEvents(q: AnalyticsQuery, steps: FunnelStep[]): Promise<FunnelEvent[]> {
    const pages = steps.flatMap((s) => ("page" in s ? [s.page] : []));
    const names = steps.flatMap((s) => ("event" in s ? [s.event] : []));
    const filter = this.sessionFilterSql(q);
    const match = [
      pages.length ? `(name = 'pageview' AND path IN (${pages.map(() => "?").join(", ")}))` : "",
      names.length ? `name IN (${names.map(() => "?").join(", ")})` : "",
    ]
      .filter(Boolean)
      .join(" OR ");
    return this.db
      .query(`SELECT session, ts, name, path FROM events WHERE site = ? AND ts >= ? AND ts < ? AND (${match})
        ${filter.sql ? `AND session IN (SELECT id FROM sessions WHERE site = ? AND ${filter.sql})` : ""}
        ORDER BY session, ts LIMIT 5000000`)
      .all(
        q.site,
        q.from,
        q.to,
        ...pages,
        ...names,
        ...(filter.sql ? [q.site, ...filter.params] : []),
      ) as FunnelEvent[];
  }

  async close(): Promise<void> {
    this.db.close();
  }

  /** Whole completed days come from rollups when nothing is filtered; the ragged edges and today stay raw. */
  private segments(q: AnalyticsQuery) {
    const hasFilters = Object.keys(q.filters).length > 0;
    const today = utcDay(this.now()) * DAY;
    if (hasFilters) return [{ from: q.from, to: q.to, rolled: false }];
    const segments = splitByWholeDays(q.from, q.to, today);
    for (const s of segments) if (s.rolled) this.rollups.ensure(q.site, s.from, s.to);
    return segments;
  }

  private rawSums(q: AnalyticsQuery, from: number, to: number): OverviewSums {
    const where = this.sessionWhere(q, from, to);
    const row = this.db
      .query(`SELECT count(DISTINCT visitor) AS visitors, count(*) AS visits, sum(pageviews) AS pageviews,
        sum(events <= 1) AS bounces, sum(ended - started) AS durationMs FROM sessions WHERE ${where.sql}`)
      .get(...where.params) as Row;
    return sumsOf(row);
  }

  private sessionWhere(q: AnalyticsQuery, from: number, to: number) {
    const filter = this.sessionFilterSql(q);
    return {
      sql: `site = ? AND started >= ? AND started < ?${filter.sql ? ` AND ${filter.sql}` : ""}`,
      params: [q.site, from, to, ...filter.params],
    };
  }

  /** Filters select visits: by a visit attribute, or (page) visits that viewed that page. */
  private sessionFilterSql(q: AnalyticsQuery): { sql: string; params: (string | number)[] } {
    const parts: string[] = [];
    const params: (string | number)[] = [];
    for (const [dimension, value] of Object.entries(q.filters)) {
      if (value === undefined) continue;
      if (dimension === "page") {
        parts.push(
          "id IN (SELECT session FROM events WHERE site = ? AND ts >= ? AND ts < ? AND name = 'pageview' AND path = ?)",
        );
        params.push(q.site, q.from, q.to + DAY, value);
      } else {
        parts.push(`coalesce(${sessionColumn[dimension]}, '') = ?`);
        params.push(value);
      }
    }
    return { sql: parts.join(" AND "), params };
  }
}

function sumsOf(r: Row): OverviewSums {
  return {
    visitors: Number(r.visitors ?? 0),
    visits: Number(r.visits ?? 0),
    pageviews: Number(r.pageviews ?? 0),
    bounces: Number(r.bounces ?? 0),
    durationMs: Number(r.durationMs ?? 0),
  };
}

function breakdownRow(r: Row): BreakdownRow {
  return {
    value: String(r.value),
    visitors: Number(r.visitors),
    visits: Number(r.visits),
    pageviews: Number(r.pageviews ?? 0),
  };
}
