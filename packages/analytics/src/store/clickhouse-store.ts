import type { ClickHouseClient } from "@clickhouse/client";
import { int, openClickHouse, quote, selectRows } from "@pier/clickhouse";
import type { IngestRecord } from "../ingest/records.ts";
import { FunnelCounter, funnelMatchSql, vitalFromHistogram } from "../query/funnel.ts";
import {
  type AnalyticsQuery,
  type AnalyticsStore,
  type BreakdownRow,
  type CustomEventRow,
  type Dimension,
  type FunnelResult,
  type FunnelStep,
  type Overview,
  overviewFromSums,
  type PropRow,
  type Realtime,
  type SeriesPoint,
  sumsOf,
  type VitalsSummary,
  vitalMetrics,
  vitalScale,
} from "../query/types.ts";
import { clickhouseSchema, eventFilterSql, sessionsSql } from "./clickhouse-sql.ts";
import { fillSeries } from "./ranges.ts";

type Row = Record<string, string | number | null>;
const HOUR = 3_600_000;
const DAY = 86_400_000;

export interface ClickHouseStoreOptions {
  url: string;
  database?: string;
}

// Re-exported: @pier/analytics's public surface includes the error its ClickHouse store throws.
export { ClickHouseUnavailableError } from "@pier/clickhouse";

/** Analytics in ClickHouse (PIER_CLICKHOUSE_URL): same query API, visits computed at query time. */
export class ClickHouseAnalyticsStore implements AnalyticsStore {
  readonly kind = "clickhouse";
  private readonly db: string;

  private constructor(
    private readonly client: ClickHouseClient,
    database: string,
  ) {
    this.db = database;
  }

  static async open(options: ClickHouseStoreOptions): Promise<ClickHouseAnalyticsStore> {
    const { client, database } = await openClickHouse(options.url, {
      database: options.database,
      schema: clickhouseSchema,
      fallback: "unset PIER_CLICKHOUSE_URL to keep analytics in SQLite",
    });
    return new ClickHouseAnalyticsStore(client, database);
  }

  async write(batch: IngestRecord[]): Promise<void> {
    const events = [];
    const vitals = [];
    for (const r of batch) {
      if (r.kind === "vitals") {
        vitals.push(r.vitals);
        continue;
      }
      const e = r.event;
      const f = e.facts;
      const props = e.props ? (JSON.parse(e.props) as Record<string, unknown>) : {};
      events.push({
        site: e.site,
        ts: e.ts,
        session: e.session,
        visitor: e.visitor,
        name: e.name,
        path: e.path,
        prop_keys: Object.keys(props),
        prop_values: Object.values(props).map(String),
        source: f.source,
        referrer: f.referrer,
        channel: f.channel,
        utm_source: f.utmSource ?? "",
        utm_medium: f.utmMedium ?? "",
        utm_campaign: f.utmCampaign ?? "",
        browser: f.browser,
        os: f.os,
        device: f.device,
        country: f.country ?? "",
      });
    }
    if (events.length)
      await this.client.insert({ table: `${this.db}.events`, values: events, format: "JSONEachRow" });
    if (vitals.length)
      await this.client.insert({ table: `${this.db}.vitals`, values: vitals, format: "JSONEachRow" });
  }

  async overview(q: AnalyticsQuery): Promise<Overview> {
    const [r] =
      await this.rows(`SELECT uniqExact(visitor) AS visitors, count() AS visits, sum(pageviews) AS pageviews,
      countIf(events <= 1) AS bounces, sum(ended - started) AS durationMs FROM (${sessionsSql(this.db, q, q.from, q.to)})`);
    return overviewFromSums(sumsOf(r ?? {}));
  }

  async timeseries(q: AnalyticsQuery, interval: "hour" | "day"): Promise<SeriesPoint[]> {
    const unit = interval === "hour" ? HOUR : DAY;
    const rows =
      await this.rows(`SELECT intDiv(started, ${unit}) * ${unit} AS t, uniqExact(visitor) AS visitors,
      count() AS visits, sum(pageviews) AS pageviews, countIf(events <= 1) AS bounces, sum(ended - started) AS durationMs
      FROM (${sessionsSql(this.db, q, q.from, q.to)}) GROUP BY t`);
    return fillSeries(
      rows.map((r) => ({ t: Number(r.t), ...overviewFromSums(sumsOf(r)) })),
      q.from,
      q.to,
      unit,
    );
  }

  async breakdown(q: AnalyticsQuery, dimension: Dimension, limit: number): Promise<BreakdownRow[]> {
    const rows =
      dimension === "page"
        ? await this.rows(`SELECT path AS value, uniqExact(visitor) AS visitors, uniqExact(session) AS visits,
            count() AS pageviews FROM ${this.db}.events
            WHERE site = ${quote(q.site)} AND ts >= ${int(q.from)} AND ts < ${int(q.to)} AND name = 'pageview'
            ${q.filters.page !== undefined ? `AND path = ${quote(q.filters.page)}` : ""}${eventFilterSql(this.db, { ...q, filters: { ...q.filters, page: undefined } })}
            GROUP BY value ORDER BY visitors DESC, value LIMIT ${int(limit)}`)
        : await this.rows(`SELECT v_${dimension} AS value, uniqExact(visitor) AS visitors, count() AS visits,
            sum(pageviews) AS pageviews FROM (${sessionsSql(this.db, q, q.from, q.to)})
            GROUP BY value ORDER BY visitors DESC, value LIMIT ${int(limit)}`);
    return rows.map((r) => ({
      value: String(r.value),
      visitors: Number(r.visitors),
      visits: Number(r.visits),
      pageviews: Number(r.pageviews),
    }));
  }

  async customEvents(q: AnalyticsQuery, limit: number): Promise<CustomEventRow[]> {
    const rows =
      await this.rows(`SELECT name, uniqExact(visitor) AS visitors, count() AS events FROM ${this.db}.events
      WHERE site = ${quote(q.site)} AND ts >= ${int(q.from)} AND ts < ${int(q.to)} AND name != 'pageview'${eventFilterSql(this.db, q)}
      GROUP BY name ORDER BY events DESC, name LIMIT ${int(limit)}`);
    return rows.map((r) => ({
      name: String(r.name),
      visitors: Number(r.visitors),
      events: Number(r.events),
    }));
  }

  async eventProps(q: AnalyticsQuery, name: string, limit: number): Promise<PropRow[]> {
    const rows = await this.rows(`SELECT prop, value, count() AS events FROM ${this.db}.events
      ARRAY JOIN prop_keys AS prop, prop_values AS value
      WHERE site = ${quote(q.site)} AND ts >= ${int(q.from)} AND ts < ${int(q.to)} AND name = ${quote(name)}
      GROUP BY prop, value ORDER BY events DESC, prop, value LIMIT ${int(limit)}`);
    return rows.map((r) => ({ prop: String(r.prop), value: String(r.value), events: Number(r.events) }));
  }

  async vitals(q: AnalyticsQuery): Promise<VitalsSummary> {
    const out = {} as VitalsSummary;
    const page = q.filters.page;
    const base = `FROM ${this.db}.vitals WHERE site = ${quote(q.site)} AND ts >= ${int(q.from)} AND ts < ${int(q.to)}${
      page !== undefined ? ` AND path = ${quote(page)}` : ""
    }`;
    for (const metric of vitalMetrics) {
      const scale = vitalScale[metric];
      const rows =
        await this.rows(`SELECT toInt64(round(assumeNotNull(${metric}) * ${scale})) AS v, count() AS c
        ${base} AND isNotNull(${metric}) GROUP BY v ORDER BY v`);
      out[metric] = vitalFromHistogram(
        metric,
        rows.map((r) => [Number(r.v), Number(r.c)]),
      );
    }
    return out;
  }

  async realtime(site: string, now: number): Promise<Realtime> {
    const since = now - 5 * 60_000;
    const where = `site = ${quote(site)} AND ts >= ${int(since)}`;
    const [totals] = await this.rows(
      `SELECT uniqExact(visitor) AS visitors, countIf(name = 'pageview') AS pageviews FROM ${this.db}.events WHERE ${where}`,
    );
    const pages = await this.rows(`SELECT path, uniqExact(visitor) AS visitors FROM ${this.db}.events
      WHERE ${where} AND name = 'pageview' GROUP BY path ORDER BY visitors DESC, path LIMIT 10`);
    return {
      visitors: Number(totals?.visitors ?? 0),
      pageviews: Number(totals?.pageviews ?? 0),
      pages: pages.map((p) => ({ path: String(p.path), visitors: Number(p.visitors) })),
    };
  }

  async funnel(q: AnalyticsQuery, steps: FunnelStep[]): Promise<FunnelResult> {
    const pages = steps.flatMap((s) => ("page" in s ? [quote(s.page)] : []));
    const names = steps.flatMap((s) => ("event" in s ? [quote(s.event)] : []));
    const match = funnelMatchSql(pages, names);
    const rows = await this.rows(`SELECT session, ts, name, path FROM ${this.db}.events
      WHERE site = ${quote(q.site)} AND ts >= ${int(q.from)} AND ts < ${int(q.to)} AND (${match})${eventFilterSql(this.db, q)}
      ORDER BY ts LIMIT 20000000`);
    const counter = new FunnelCounter(steps);
    for (const r of rows) {
      counter.add({
        session: Number(r.session),
        ts: Number(r.ts),
        name: String(r.name),
        path: String(r.path),
      });
    }
    return counter.result();
  }

  /** Drops this store's database; used by tests that create a throwaway one. */
  async dropDatabase(): Promise<void> {
    await this.client.command({ query: `DROP DATABASE IF EXISTS ${this.db}` });
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private rows(query: string): Promise<Row[]> {
    return selectRows<Row>(this.client, query);
  }
}
