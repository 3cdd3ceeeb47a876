import type { PierRoute } from "@pier/contract";
import type { ClientOutput, RouteOf } from "@pier/http/contract";
import { useState } from "preact/hooks";
import { errorMessage, pier } from "../api.ts";
import { TextField } from "../components/text-field.tsx";
import { CardsTable, ErrorBox, ListState } from "../components/ui.tsx";
import { useApi } from "../use-api.ts";

// The analytics of an app (/api/v1/analytics, packages/analytics/README.md).
type Answer<K extends string> = ClientOutput<RouteOf<PierRoute, K>>;
type Dashboard = Answer<"GET /api/v1/analytics/:site/dashboard">;
type FunnelResult = Answer<"POST /api/v1/analytics/:site/funnel">["funnel"];
type Row = Dashboard["pages"][number];

const periods = [
  ["day", "last 24 h"],
  ["7d", "last 7 days"],
  ["30d", "last 30 days"],
  ["90d", "last 90 days"],
] as const;
type Period = (typeof periods)[number][0];

const duration = (ms: number) =>
  ms < 60_000
    ? `${Math.round(ms / 1000)} s`
    : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
const percent = (share: number) => `${(share * 100).toFixed(1)} %`;

/** Visitors per bucket as bars; hand-written SVG like the metrics chart. */
function VisitorsChart({ points }: { points: Dashboard["timeseries"] }) {
  const width = 640;
  const height = 140;
  const max = Math.max(1, ...points.map((p) => p.visitors));
  const slot = width / Math.max(points.length, 1);
  return (
    <svg class="chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-label="Visitors over time">
      {points.map((p, i) => {
        const h = (p.visitors / max) * (height - 10);
        return (
          <rect
            key={p.t}
            x={i * slot + slot * 0.1}
            y={height - h}
            width={Math.max(1, slot * 0.8)}
            height={h}
            fill="var(--c2xx)"
          >
            <title>{`${new Date(p.t).toLocaleString()}: ${p.visitors} visitors, ${p.pageviews} pageviews`}</title>
          </rect>
        );
      })}
    </svg>
  );
}

function Breakdown({ title, rows, label }: { title: string; rows: Row[]; label: string }) {
  return (
    <div class="panel">
      <h2>{title}</h2>
      {rows.length ? (
        <CardsTable columns={[label, "Visitors", "Pageviews"]} rows={rows}>
          {(r) => (
            <tr key={r.value}>
              <td data-label={label}>{r.value || "(unknown)"}</td>
              <td data-label="Visitors">{r.visitors}</td>
              <td data-label="Pageviews">{r.pageviews}</td>
            </tr>
          )}
        </CardsTable>
      ) : (
        <p class="muted">Nothing yet.</p>
      )}
    </div>
  );
}

function Funnel({ app, period }: { app: string; period: Period }) {
  const [steps, setSteps] = useState("/, /pricing, event:signup");
  const [result, setResult] = useState<FunnelResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = async (e: Event) => {
    e.preventDefault();
    const parsed = steps
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean)
      .map((s) => (s.startsWith("event:") ? { event: s.slice(6) } : { page: s }));
    try {
      const answer = await pier.call("POST /api/v1/analytics/:site/funnel", {
        params: { site: app },
        body: { period, steps: parsed },
      });
      setResult(answer.funnel);
      setError(null);
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <div class="panel">
      <h2>Funnel</h2>
      <form class="inline" onSubmit={run}>
        <TextField
          label="Steps (pages, or event:name), in order"
          aria-label="Funnel steps"
          value={steps}
          onValue={setSteps}
        />
        <button type="submit">Compute</button>
      </form>
      <ErrorBox error={error} />
      {result ? (
        <table class="cards" data-testid="funnel">
          <tbody>
            {result.steps.map((s, i) => (
              <tr key={i}>
                <td data-label="Step">{"page" in s.step ? s.step.page : `event ${s.step.event}`}</td>
                <td data-label="Visits">{s.visits}</td>
                <td data-label="Conversion">{percent(s.conversionRate)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}

export function AnalyticsTab({ app }: { app: string }) {
  const [period, setPeriod] = useState<Period>("7d");
  const data = useApi(
    () =>
      pier.call("GET /api/v1/analytics/:site/dashboard", {
        params: { site: app },
        query: { period, limit: 10 },
      }),
    [app, period],
    60_000,
  );
  const d = data.data;
  return (
    <>
      <div class="panel">
        <div class="spread">
          <h2>Visitors</h2>
          <select
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
        </div>
        <ListState query={data} what="analytics">
          {(report) => (
            <>
              <div class="stats" data-testid="analytics-overview">
                <span>
                  <b>{report.realtime.visitors}</b>
                  <span class="small muted">now (5 min)</span>
                </span>
                <span>
                  <b>{report.overview.visitors}</b>
                  <span class="small muted">visitors</span>
                </span>
                <span>
                  <b>{report.overview.visits}</b>
                  <span class="small muted">visits</span>
                </span>
                <span>
                  <b>{report.overview.pageviews}</b>
                  <span class="small muted">pageviews</span>
                </span>
                <span>
                  <b>{report.overview.viewsPerVisit}</b>
                  <span class="small muted">views / visit</span>
                </span>
                <span>
                  <b>{percent(report.overview.bounceRate)}</b>
                  <span class="small muted">bounce rate</span>
                </span>
                <span>
                  <b>{duration(report.overview.visitDurationMs)}</b>
                  <span class="small muted">visit duration</span>
                </span>
              </div>
              <VisitorsChart points={report.timeseries} />
              <p class="small muted">
                Add <code>{'<script defer src="/_pier/script.js"></script>'}</code> to your pages. No cookies.
                Requests through the proxy: {report.requests.requests} (5xx {report.requests.status["5xx"]},
                p95 {report.requests.latencyMs.p95} ms).
              </p>
            </>
          )}
        </ListState>
      </div>
      {d ? (
        <>
          <Breakdown title="Top pages" rows={d.pages} label="Page" />
          <Breakdown title="Sources" rows={d.sources} label="Source" />
          <Breakdown title="Countries" rows={d.countries} label="Country" />
          <Breakdown title="Devices" rows={d.devices} label="Device" />
          <div class="panel">
            <h2>Events and Web Vitals</h2>
            <div class="stats">
              {d.events.map((e) => (
                <span key={e.name}>
                  <b>{e.events}</b>
                  <span class="small muted">{e.name}</span>
                </span>
              ))}
              {(["lcp", "inp", "ttfb"] as const).map((m) => (
                <span key={m}>
                  <b>{d.vitals[m].p75 === null ? "–" : `${d.vitals[m].p75} ms`}</b>
                  <span class="small muted">{m.toUpperCase()} p75</span>
                </span>
              ))}
              <span>
                <b>{d.vitals.cls.p75 ?? "–"}</b>
                <span class="small muted">CLS p75</span>
              </span>
            </div>
          </div>
          <Funnel app={app} period={period} />
        </>
      ) : null}
    </>
  );
}
