import { Database } from "bun:sqlite";
import type { EventRecord, IngestRecord } from "../ingest/records.ts";
import { utcDay } from "../ingest/visitor.ts";
import { FunnelCounter, vitalFromHistogram } from "../query/funnel.ts";
import {
  type AnalyticsQuery,
  type AnalyticsStore,
  type BreakdownRow,
  type CustomEventRow,
  type Dimension,
  type FunnelResult,
  type FunnelStep,
  type Overview,
  type OverviewSums,
  overviewFromSums,
  type PropRow,
  type Realtime,
  type SeriesPoint,
  sessionDimensions,
  sumsOf,
  type VitalsSummary,
  vitalMetrics,
} from "../query/types.ts";
import { fillSeries, type Segment, splitByWholeDays } from "./ranges.ts";
import { sessionDeltas } from "./session-deltas.ts";
import {
  funnelRows,
  rawBreakdown,
  rawCustomEvents,
  rawProps,
  rawSeries,
  rawSums,
  rawVitalsHistogram,
} from "./sqlite-raw.ts";
import { PAGE_VISITS, propKey, type RolledRow, SqliteRollups } from "./sqlite-rollups.ts";
import { sqliteAnalyticsDdl } from "./sqlite-schema.ts";

type Row = Record<string, number | string | null>;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Raw edges of a rolled breakdown are merged before the limit applies, so they are read in full. */
const EDGE_LIMIT = 100_000;

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
  private readonly knownSites = new Set<string>();

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
    const events: EventRecord[] = [];
    const today = utcDay(this.now());
    const touchedPastDays = new Set<string>();
    const newSites = new Set<string>();
    this.db.transaction(() => {
      for (const record of batch) {
        if (record.kind === "vitals") {
          const v = record.vitals;
          this.insertVitals.run(v.site, v.ts, v.path, v.lcp, v.cls, v.inp, v.ttfb);
          if (utcDay(v.ts) < today) touchedPastDays.add(`${v.site}\n${utcDay(v.ts)}`);
          continue;
        }
        const e = record.event;
        events.push(e);
        this.insertEvent.run(e.site, e.ts, e.session, e.visitor, e.name, e.path, e.props);
      }
      for (const e of events) {
        if (!this.knownSites.has(e.site) && !newSites.has(e.site)) {
          this.db.query("INSERT OR IGNORE INTO sites (site) VALUES (?)").run(e.site);
          newSites.add(e.site);
        }
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
        const [site = "", day = "0"] = key.split("\n");
        this.rollups.invalidate(site, Number(day));
      }
    })();
    // Only once committed: a batch rolled back (a full disk) is written again with its sites.
    for (const site of newSites) this.knownSites.add(site);
  }

  /** Rolls up every completed day in the range that is not rolled yet (queries also do it lazily). */
  rollUp(site: string, from: number, to: number): number {
    return this.rollups.ensure(site, from, Math.min(to, utcDay(this.now()) * DAY));
  }

  /**
   * Rolls up at most `maxDays` completed days that are not rolled yet (newest first, last 35 days),
   * so the first dashboard query of a day finds them ready. Called from a timer: each day costs
   * one scan of that day's visits and events on this thread (seconds on a busy day; the day rollup
   * time in docs/performance.md, Analytics).
   */
  rollUpPending(maxDays: number): number {
    const today = utcDay(this.now());
    const sites = (this.db.query("SELECT site FROM sites").all() as { site: string }[]).map((r) => r.site);
    let rolled = 0;
    for (const site of sites) {
      const done = new Set(
        (
          this.db.query("SELECT day FROM rolled_days WHERE site = ? AND day >= ?").all(site, today - 35) as {
            day: number;
          }[]
        ).map((r) => r.day),
      );
      for (let day = today - 1; day >= today - 35 && rolled < maxDays; day--) {
        if (done.has(day)) continue;
        rolled += this.rollups.ensure(site, day * DAY, (day + 1) * DAY);
      }
    }
    return rolled;
  }

  async overview(q: AnalyticsQuery): Promise<Overview> {
    const filters = Object.entries(q.filters).filter(([, v]) => v !== undefined);
    // One filter (a visit attribute, or a page) can still be answered from the daily rollups.
    const only = filters.length === 1 ? (filters[0] as [string, string]) : undefined;
    const single =
      only && (only[0] === "page" || (sessionDimensions as readonly string[]).includes(only[0]))
        ? ([only[0] === "page" ? PAGE_VISITS : only[0], only[1]] as const)
        : null;
    const total: OverviewSums = { visitors: 0, visits: 0, pageviews: 0, bounces: 0, durationMs: 0 };
    for (const segment of this.segments(q, filters.length === 0 || single !== null)) {
      let s: OverviewSums;
      if (!segment.rolled) s = rawSums(this.db, q, segment.from, segment.to);
      else if (single)
        s = sumsOf({ ...this.rollups.breakdown(q.site, single[0], segment.from, segment.to, single[1])[0] });
      else s = this.rollups.sums(q.site, segment.from, segment.to);
      total.visitors += s.visitors;
      total.visits += s.visits;
      total.pageviews += s.pageviews;
      total.bounces += s.bounces;
      total.durationMs += s.durationMs;
    }
    return overviewFromSums(total);
  }

  async timeseries(q: AnalyticsQuery, interval: "hour" | "day"): Promise<SeriesPoint[]> {
    const unit = interval === "hour" ? HOUR : DAY;
    const points: SeriesPoint[] = [];
    for (const segment of this.segments(q, isUnfiltered(q))) {
      points.push(
        ...(segment.rolled
          ? this.rollups.series(q.site, segment.from, segment.to, interval)
          : rawSeries(this.db, q, segment.from, segment.to, unit)),
      );
    }
    return fillSeries(points, q.from, q.to, unit);
  }

  async breakdown(q: AnalyticsQuery, dimension: Dimension, limit: number): Promise<BreakdownRow[]> {
    const rows = this.merged(
      q,
      (s) => this.rollups.breakdown(q.site, dimension, s.from, s.to),
      (s, max) => rawBreakdown(this.db, q, dimension, s.from, s.to, max),
      limit,
    );
    return rows
      .sort((a, b) => b.visitors - a.visitors || compare(a.value, b.value))
      .slice(0, limit)
      .map((r) => ({ value: r.value, visitors: r.visitors, visits: r.visits, pageviews: r.pageviews }));
  }

  async customEvents(q: AnalyticsQuery, limit: number): Promise<CustomEventRow[]> {
    const rows = this.merged(
      q,
      (s) => this.rollups.breakdown(q.site, "event", s.from, s.to),
      (s, max) => rawCustomEvents(this.db, q, s.from, s.to, max),
      limit,
    );
    return rows
      .sort((a, b) => b.events - a.events || compare(a.value, b.value))
      .slice(0, limit)
      .map((r) => ({ name: r.value, visitors: r.visitors, events: r.events }));
  }

  async eventProps(q: AnalyticsQuery, name: string, limit: number): Promise<PropRow[]> {
    const counts = new Map<string, PropRow>();
    const addRow = (prop: string, value: string, events: number) => {
      const key = propKey(name, prop, value);
      const row = counts.get(key) ?? { prop, value, events: 0 };
      row.events += events;
      counts.set(key, row);
    };
    for (const segment of this.segments(q, isUnfiltered(q))) {
      if (!segment.rolled) {
        for (const r of rawProps(this.db, q, name, segment.from, segment.to, EDGE_LIMIT))
          addRow(r.prop, r.value, r.events);
        continue;
      }
      const rows = this.db
        .query(`SELECT value, sum(events) AS events FROM daily_breakdowns WHERE site = ? AND dimension = 'prop'
          AND value >= ? AND value < ? AND day >= ? AND day < ? GROUP BY value`)
        .all(q.site, `${name}\u0000`, `${name}\u0001`, segment.from / DAY, segment.to / DAY) as Row[];
      for (const r of rows) {
        const [, prop = "", value = ""] = String(r.value).split("\u0000");
        addRow(prop, value, Number(r.events));
      }
    }
    return [...counts.values()]
      .sort((a, b) => b.events - a.events || compare(a.prop, b.prop) || compare(a.value, b.value))
      .slice(0, limit);
  }

  async vitals(q: AnalyticsQuery): Promise<VitalsSummary> {
    const out = {} as VitalsSummary;
    for (const metric of vitalMetrics) {
      const merged = new Map<number, number>();
      for (const segment of this.segments(q, isUnfiltered(q))) {
        const histogram = segment.rolled
          ? this.rollups.vitalsHistogram(q.site, metric, segment.from, segment.to)
          : rawVitalsHistogram(this.db, q, metric, segment.from, segment.to);
        for (const [value, count] of histogram) merged.set(value, (merged.get(value) ?? 0) + count);
      }
      out[metric] = vitalFromHistogram(
        metric,
        [...merged].sort((a, b) => a[0] - b[0]),
      );
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

  async funnel(q: AnalyticsQuery, steps: FunnelStep[]): Promise<FunnelResult> {
    const pages = steps.flatMap((s) => ("page" in s ? [s.page] : []));
    const names = steps.flatMap((s) => ("event" in s ? [s.event] : []));
    const counter = new FunnelCounter(steps);
    for (const row of funnelRows(this.db, q, pages, names)) counter.add(row);
    return counter.result();
  }

  async close(): Promise<void> {
    this.db.close();
  }

  /** Whole completed days come from rollups when allowed; the ragged edges and today stay raw. */
  private segments(q: AnalyticsQuery, rollupsAllowed: boolean): Segment[] {
    if (!rollupsAllowed) return [{ from: q.from, to: q.to, rolled: false }];
    const segments = splitByWholeDays(q.from, q.to, utcDay(this.now()) * DAY);
    for (const s of segments) if (s.rolled) this.rollups.ensure(q.site, s.from, s.to);
    return segments;
  }

  /** Rolled rows for whole days plus raw rows for the edges, summed per value (visitors are per-day distinct). */
  private merged(
    q: AnalyticsQuery,
    rolled: (s: Segment) => RolledRow[],
    raw: (s: Segment, max: number) => RolledRow[],
    limit: number,
  ): RolledRow[] {
    const segments = this.segments(q, isUnfiltered(q));
    const [only] = segments;
    if (segments.length === 1 && only && !only.rolled) return raw(only, limit);
    const byValue = new Map<string, RolledRow>();
    for (const segment of segments) {
      for (const r of segment.rolled ? rolled(segment) : raw(segment, EDGE_LIMIT)) {
        const row = byValue.get(r.value);
        if (!row) {
          byValue.set(r.value, { ...r });
          continue;
        }
        row.visitors += r.visitors;
        row.visits += r.visits;
        row.pageviews += r.pageviews;
        row.events += r.events;
      }
    }
    return [...byValue.values()];
  }
}

function isUnfiltered(q: AnalyticsQuery): boolean {
  return Object.values(q.filters).every((v) => v === undefined);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
