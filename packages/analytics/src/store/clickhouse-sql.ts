import { int, quote } from "@pier/clickhouse";
import { type AnalyticsQuery, sessionDimensions } from "../query/types.ts";

const DAY = 86_400_000;

// ClickHouse 18.16 (Debian's) has no query parameters: every value in the queries below is
// inlined through quote() or int(). The tables; openClickHouse creates the database first.
export const clickhouseSchema = (db: string) => [
  `CREATE TABLE IF NOT EXISTS ${db}.events (
    site String, ts UInt64, session UInt64, visitor UInt64, name String, path String,
    prop_keys Array(String), prop_values Array(String),
    source String, referrer String, channel String, utm_source String, utm_medium String, utm_campaign String,
    browser String, os String, device String, country String
  ) ENGINE = MergeTree PARTITION BY intDiv(ts, ${30 * DAY}) ORDER BY (site, ts)`,
  `CREATE TABLE IF NOT EXISTS ${db}.vitals (
    site String, ts UInt64, path String,
    lcp Nullable(Float64), cls Nullable(Float64), inp Nullable(Float64), ttfb Nullable(Float64)
  ) ENGINE = MergeTree PARTITION BY intDiv(ts, ${30 * DAY}) ORDER BY (site, ts)`,
];

/** Visit attributes copied onto every event row; entry and exit are derived from the pageviews. */
const factColumns = sessionDimensions.filter((d) => d !== "entry" && d !== "exit");

/** Visit attributes are copied onto every event, so visit filters are plain WHERE clauses. */
export function eventFilterSql(db: string, q: AnalyticsQuery): string {
  const parts: string[] = [];
  for (const [dimension, value] of Object.entries(q.filters)) {
    if (value === undefined) continue;
    if (dimension === "page") {
      parts.push(
        `session IN (SELECT session FROM ${db}.events WHERE site = ${quote(q.site)} AND ts >= ${int(q.from)}
          AND ts < ${int(q.to + DAY)} AND name = 'pageview' AND path = ${quote(value)})`,
      );
    } else if (dimension === "entry" || dimension === "exit") {
      parts.push(
        `session IN (SELECT session FROM (${sessionsSql(db, { ...q, filters: {} }, q.from, q.to)}) WHERE v_${dimension} = ${quote(value)})`,
      );
    } else {
      parts.push(`${dimension} = ${quote(value)}`);
    }
  }
  return parts.length ? ` AND ${parts.join(" AND ")}` : "";
}

/**
 * (Visit attributes are aliased `v_<dimension>`: ClickHouse 18.16 resolves a WHERE column to a
 * same-named SELECT alias, which would put an aggregate into WHERE.)
 * Visits are derived at query time from events grouped by visit id: ClickHouse scans tens of
 * millions of rows per second, so no mutable visits table is needed. A visit belongs to the range
 * its first event falls in; visits never span UTC midnight (visitor ids rotate), so scanning the
 * whole UTC days around the range sees every event of every visit that started in it.
 */
export function sessionsSql(db: string, q: AnalyticsQuery, from: number, to: number): string {
  return `SELECT session, any(visitor) AS visitor, min(ts) AS started, max(ts) AS ended,
      countIf(name = 'pageview') AS pageviews, count() AS events,
      argMinIf(path, ts, name = 'pageview') AS v_entry, argMaxIf(path, ts, name = 'pageview') AS v_exit,
      ${factColumns.map((c) => `any(${c}) AS v_${c}`).join(", ")}
    FROM ${db}.events
    WHERE site = ${quote(q.site)} AND ts >= ${int(Math.floor(from / DAY) * DAY)} AND ts < ${int(Math.ceil(to / DAY) * DAY)}${eventFilterSql(db, q)}
    GROUP BY session HAVING started >= ${int(from)} AND started < ${int(to)}`;
}
