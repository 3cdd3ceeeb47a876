import type { Database } from "bun:sqlite";
import { funnelMatchSql } from "../query/funnel.ts";
import type { AnalyticsQuery, Dimension, OverviewSums, SeriesPoint } from "../query/types.ts";
import { overviewFromSums, sumsOf, type VitalMetric, vitalScale } from "../query/types.ts";
import type { RolledRow } from "./sqlite-rollups.ts";
import { sessionColumn } from "./sqlite-schema.ts";

// Queries straight on the visits/events tables: today, the ragged edges of a range and anything filtered.
type Row = Record<string, number | string | null>;
const DAY = 86_400_000;

/** Filters select visits: by a visit attribute, or (page) visits that viewed that page. */
export function visitFilterSql(q: AnalyticsQuery): { sql: string; params: (string | number)[] } {
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

function visitWhere(q: AnalyticsQuery, from: number, to: number) {
  const filter = visitFilterSql(q);
  return {
    sql: `site = ? AND started >= ? AND started < ?${filter.sql ? ` AND ${filter.sql}` : ""}`,
    params: [q.site, from, to, ...filter.params],
  };
}

/** `AND session IN (visits matching the filters)` for queries on the events table. */
function eventVisitFilter(q: AnalyticsQuery) {
  const filter = visitFilterSql(q);
  return filter.sql
    ? {
        sql: ` AND session IN (SELECT id FROM sessions WHERE site = ? AND ${filter.sql})`,
        params: [q.site, ...filter.params],
      }
    : { sql: "", params: [] };
}

export function rawSums(db: Database, q: AnalyticsQuery, from: number, to: number): OverviewSums {
  const where = visitWhere(q, from, to);
  return sumsOf(
    db
      .query(`SELECT count(DISTINCT visitor) AS visitors, count(*) AS visits, sum(pageviews) AS pageviews,
        sum(events <= 1) AS bounces, sum(ended - started) AS durationMs FROM sessions WHERE ${where.sql}`)
      .get(...where.params) as Row,
  );
}

export function rawSeries(
  db: Database,
  q: AnalyticsQuery,
  from: number,
  to: number,
  unit: number,
): SeriesPoint[] {
  const where = visitWhere(q, from, to);
  const rows = db
    .query(`SELECT (started / ${unit}) * ${unit} AS t, count(DISTINCT visitor) AS visitors, count(*) AS visits,
      sum(pageviews) AS pageviews, sum(events <= 1) AS bounces, sum(ended - started) AS durationMs
      FROM sessions WHERE ${where.sql} GROUP BY t`)
    .all(...where.params) as Row[];
  return rows.map((r) => ({ t: Number(r.t), ...overviewFromSums(sumsOf(r)) }));
}

export function rawBreakdown(
  db: Database,
  q: AnalyticsQuery,
  dimension: Dimension,
  from: number,
  to: number,
  limit: number,
): RolledRow[] {
  if (dimension === "page") {
    const visits = eventVisitFilter(q);
    const page = q.filters.page;
    return db
      .query(`SELECT path AS value, count(DISTINCT visitor) AS visitors, count(DISTINCT session) AS visits,
        count(*) AS pageviews, count(*) AS events, 0 AS bounces, 0 AS durationMs FROM events
        WHERE site = ? AND ts >= ? AND ts < ? AND name = 'pageview'${page !== undefined ? " AND path = ?" : ""}${visits.sql}
        GROUP BY path ORDER BY visitors DESC, value LIMIT ?`)
      .all(q.site, from, to, ...(page !== undefined ? [page] : []), ...visits.params, limit) as RolledRow[];
  }
  const where = visitWhere(q, from, to);
  return db
    .query(`SELECT coalesce(${sessionColumn[dimension]}, '') AS value, count(DISTINCT visitor) AS visitors,
      count(*) AS visits, sum(pageviews) AS pageviews, sum(events) AS events, sum(events <= 1) AS bounces,
      sum(ended - started) AS durationMs FROM sessions WHERE ${where.sql}
      GROUP BY value ORDER BY visitors DESC, value LIMIT ?`)
    .all(...where.params, limit) as RolledRow[];
}

export function rawCustomEvents(
  db: Database,
  q: AnalyticsQuery,
  from: number,
  to: number,
  limit: number,
): RolledRow[] {
  const visits = eventVisitFilter(q);
  return db
    .query(`SELECT name AS value, count(DISTINCT visitor) AS visitors, count(DISTINCT session) AS visits,
      0 AS pageviews, count(*) AS events, 0 AS bounces, 0 AS durationMs FROM events
      WHERE site = ? AND ts >= ? AND ts < ? AND name <> 'pageview'${visits.sql}
      GROUP BY name ORDER BY events DESC, name LIMIT ?`)
    .all(q.site, from, to, ...visits.params, limit) as RolledRow[];
}

export function rawProps(
  db: Database,
  q: AnalyticsQuery,
  name: string,
  from: number,
  to: number,
  limit: number,
) {
  const visits = eventVisitFilter(q);
  return db
    .query(`SELECT j.key AS prop, CAST(j.value AS TEXT) AS value, count(*) AS events
      FROM events, json_each(events.props) AS j
      WHERE events.site = ? AND events.ts >= ? AND events.ts < ? AND events.name = ? AND events.props IS NOT NULL${visits.sql}
      GROUP BY prop, value ORDER BY events DESC, prop, value LIMIT ?`)
    .all(q.site, from, to, name, ...visits.params, limit) as {
    prop: string;
    value: string;
    events: number;
  }[];
}

export function rawVitalsHistogram(
  db: Database,
  q: AnalyticsQuery,
  metric: VitalMetric,
  from: number,
  to: number,
): [number, number][] {
  const page = q.filters.page;
  return db
    .query(`SELECT CAST(round(${metric} * ${vitalScale[metric]}) AS INTEGER) AS v, count(*) FROM vitals
      WHERE site = ? AND ts >= ? AND ts < ? AND ${metric} IS NOT NULL${page !== undefined ? " AND path = ?" : ""}
      GROUP BY v ORDER BY v`)
    .values(q.site, from, to, ...(page !== undefined ? [page] : [])) as [number, number][];
}

export function funnelRows(db: Database, q: AnalyticsQuery, pages: string[], names: string[]) {
  const visits = eventVisitFilter(q);
  const match = funnelMatchSql(
    pages.map(() => "?"),
    names.map(() => "?"),
  );
  return db
    .query(`SELECT session, ts, name, path FROM events WHERE site = ? AND ts >= ? AND ts < ? AND (${match})${visits.sql}
      ORDER BY ts`)
    .iterate(q.site, q.from, q.to, ...pages, ...names, ...visits.params) as IterableIterator<{
    session: number;
    ts: number;
    name: string;
    path: string;
  }>;
}
