import { useState } from "preact/hooks";
import { pier } from "../../api.ts";
import { percentChange } from "../../components/charts/chart-format.ts";
import { TimeChart } from "../../components/charts/time-chart.tsx";
import { Segmented } from "../../components/segmented.tsx";
import { ListState } from "../../components/ui.tsx";
import { addObservabilityStyles } from "../../observability-styles.ts";
import { useApi } from "../../use-api.ts";
import {
  alignPrevious,
  type Dashboard,
  type Dimension,
  dimensionNames,
  type Filters,
  filterParams,
  type Period,
  percent,
  periods,
  previousRange,
  type SeriesPoint,
  toggleFilter,
  valueLabel,
  visitDuration,
} from "./analytics-query.ts";
import { BreakdownPanel } from "./breakdown-panel.tsx";
import { EventsPanel } from "./events-panel.tsx";
import { FunnelPanel } from "./funnel-panel.tsx";
import { SettingsPanel } from "./settings-panel.tsx";
import { VitalsPanel } from "./vitals-panel.tsx";

// The analytics of an app (/api/v1/analytics, packages/analytics/README.md): figures against the
// previous period, visitors over time, every breakdown (a click filters the whole page), custom
// events, Web Vitals, a funnel and the tracker's settings.

type Overview = Dashboard["overview"];
interface Report extends Dashboard {
  previous: { overview: Overview; points: SeriesPoint[] };
}

const chartMetrics = [
  ["visitors", "Visitors"],
  ["visits", "Visits"],
  ["pageviews", "Pageviews"],
] as const;
type ChartMetric = (typeof chartMetrics)[number][0];

const figures: {
  key: keyof Overview;
  label: string;
  format: (v: number) => string;
  /** A rise is bad news (bounce rate). */
  lowerIsBetter?: boolean;
}[] = [
  { key: "visitors", label: "visitors", format: String },
  { key: "visits", label: "visits", format: String },
  { key: "pageviews", label: "pageviews", format: String },
  { key: "viewsPerVisit", label: "views / visit", format: String },
  { key: "bounceRate", label: "bounce rate", format: (v) => percent(v), lowerIsBetter: true },
  { key: "visitDurationMs", label: "visit duration", format: visitDuration },
];

function Delta({ now, before, lowerIsBetter }: { now: number; before: number; lowerIsBetter?: boolean }) {
  const change = percentChange(now, before);
  if (change === null) return <span class="delta flat">new</span>;
  const good = lowerIsBetter ? change < 0 : change > 0;
  const tone = change === 0 ? "flat" : good ? "up" : "down";
  return (
    <span class={`delta ${tone}`} title="Against the previous period of the same length">
      {change > 0 ? "▲" : change < 0 ? "▼" : "="} {Math.abs(change)} %
    </span>
  );
}

async function loadReport(app: string, period: Period, filters: Filters): Promise<Report> {
  const filter = filterParams(filters);
  const current = await pier.call("GET /api/v1/analytics/:site/dashboard", {
    params: { site: app },
    query: { period, limit: 10, ...filter },
  });
  const before = previousRange(current.range);
  const query = {
    from: String(before.from),
    to: String(before.to),
    interval: current.range.interval,
    ...filter,
  };
  const [overview, series] = await Promise.all([
    pier.call("GET /api/v1/analytics/:site/overview", { params: { site: app }, query }),
    pier.call("GET /api/v1/analytics/:site/timeseries", { params: { site: app }, query }),
  ]);
  return { ...current, previous: { overview: overview.overview, points: series.points } };
}

function VisitorsChart({ report }: { report: Report }) {
  const [metric, setMetric] = useState<ChartMetric>("visitors");
  const name = chartMetrics.find(([m]) => m === metric)![1];
  const x = report.timeseries.map((p) => p.t);
  const stepMs = report.range.interval === "hour" ? 3_600_000 : 86_400_000;
  const series = [
    {
      label: name,
      values: report.timeseries.map((p) => p[metric]),
      color: "var(--accent)",
      kind: "area" as const,
    },
    {
      label: `${name}, previous period`,
      values: alignPrevious(
        x.length,
        report.previous.points.map((p) => p[metric]),
      ),
      color: "var(--muted)",
      dashed: true,
    },
  ];
  return (
    <>
      <Segmented label="Chart shows" options={chartMetrics} value={metric} onChange={setMetric} />
      <TimeChart
        testid="analytics-chart"
        label={`${name} per ${report.range.interval}, with the previous period dashed`}
        x={x}
        stepMs={stepMs}
        series={series}
      />
    </>
  );
}

function FilterChips({
  filters,
  onRemove,
  onClear,
}: {
  filters: Filters;
  onRemove: (d: Dimension) => void;
  onClear: () => void;
}) {
  const set = (Object.entries(filters) as [Dimension, string][]).filter(([, v]) => v !== undefined);
  if (set.length === 0) return null;
  return (
    <div class="chips" data-testid="analytics-filters">
      <span class="small muted">Filtered by</span>
      {set.map(([dimension, value]) => (
        <span class="chip" key={dimension}>
          {dimensionNames[dimension]}: <b>{valueLabel(dimension, value)}</b>
          <button
            type="button"
            aria-label={`Remove the filter ${dimensionNames[dimension]} ${valueLabel(dimension, value)}`}
            onClick={() => onRemove(dimension)}
          >
            ×
          </button>
        </span>
      ))}
      {set.length > 1 ? (
        <button type="button" class="link small" onClick={onClear}>
          Clear all
        </button>
      ) : null}
    </div>
  );
}

export function AnalyticsTab({ app }: { app: string }) {
  addObservabilityStyles();
  const [period, setPeriod] = useState<Period>("7d");
  const [filters, setFilters] = useState<Filters>({});
  const filterKey = JSON.stringify(filters);
  const report = useApi(() => loadReport(app, period, filters), [app, period, filterKey], 60_000);
  const onFilter = (dimension: Dimension, value: string) =>
    setFilters(toggleFilter(filters, dimension, value));
  const shared = { app, period, filters, onFilter };
  return (
    <div class="obs">
      <section class="panel" aria-label="Visitors">
        <div class="spread">
          <h2>Visitors</h2>
          <label class="inline">
            <span class="sr-only">Period</span>
            <select
              name="analytics-period"
              value={period}
              onChange={(e) => setPeriod(e.currentTarget.value as Period)}
              aria-label="Analytics range"
            >
              {periods.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </label>
        </div>
        <FilterChips
          filters={filters}
          onRemove={(d) => {
            const next = { ...filters };
            delete next[d];
            setFilters(next);
          }}
          onClear={() => setFilters({})}
        />
        <ListState query={report} what="analytics">
          {(r) => (
            <>
              <div class="kpis" data-testid="analytics-overview">
                <span>
                  <b>{r.realtime.visitors}</b>
                  <span class="small muted">now (5 min)</span>
                </span>
                {figures.map((f) => (
                  <span key={f.key}>
                    <b>{f.format(r.overview[f.key])}</b>
                    <span class="small muted">{f.label}</span>
                    <Delta
                      now={r.overview[f.key]}
                      before={r.previous.overview[f.key]}
                      lowerIsBetter={f.lowerIsBetter}
                    />
                  </span>
                ))}
              </div>
              {r.overview.visits === 0 && Object.keys(filters).length === 0 ? (
                <p class="notice">
                  No visits in this period yet. Turn on auto-injection below, or add{" "}
                  <code>{'<script defer src="/_pier/script.js"></script>'}</code> to your pages.
                </p>
              ) : null}
              <VisitorsChart report={r} />
              <p class="small muted">
                Requests through the proxy: {r.requests.requests} (5xx {r.requests.status["5xx"]}, p95{" "}
                {r.requests.latencyMs.p95} ms).
              </p>
            </>
          )}
        </ListState>
      </section>
      <div class="grid-2">
        <BreakdownPanel title="Pages" dimensions={["page", "entry", "exit"]} {...shared} />
        <BreakdownPanel
          title="Sources"
          dimensions={["source", "referrer", "channel", "utm_source", "utm_medium", "utm_campaign"]}
          {...shared}
        />
        <BreakdownPanel title="Devices" dimensions={["browser", "os", "device"]} {...shared} />
        <BreakdownPanel title="Countries" dimensions={["country"]} {...shared} />
      </div>
      {report.data ? (
        <div class="grid-2">
          <EventsPanel app={app} period={period} filters={filters} events={report.data.events} />
          <VitalsPanel vitals={report.data.vitals} />
        </div>
      ) : null}
      <FunnelPanel app={app} period={period} filters={filters} />
      <SettingsPanel app={app} />
    </div>
  );
}
