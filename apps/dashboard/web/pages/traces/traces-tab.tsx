import { useState } from "preact/hooks";
import { pier } from "../../api.ts";
import { CardsTable, Link, ListState } from "../../components/ui.tsx";
import { relativeTime } from "../../format.ts";
import { addObservabilityStyles } from "../../observability-styles.ts";
import { routeHref } from "../../routes.ts";
import { useApi } from "../../use-api.ts";
import { formatMs } from "./format-ms.ts";

const periods = ["1h", "6h", "24h", "7d"] as const;
type Period = (typeof periods)[number];

/** p95 per time bucket as a small line: how a route's latency moved over the period. */
function Sparkline({ points }: { points: { start: number; p95: number }[] }) {
  if (points.length < 2) return <span class="muted small">–</span>;
  const max = Math.max(...points.map((p) => p.p95), 0.001);
  const first = points[0]!.start;
  const span = Math.max(points.at(-1)!.start - first, 1);
  const coords = points
    .map((p) => `${((p.start - first) / span) * 100},${28 - (p.p95 / max) * 26}`)
    .join(" ");
  return (
    <svg class="route-spark" viewBox="0 0 100 30" preserveAspectRatio="none" aria-hidden="true">
      <polyline points={coords} />
    </svg>
  );
}

/** An app's traces: its slowest routes with p50/p95/p99 over time, then its slowest requests. */
export function TracesTab({ app }: { app: string }) {
  addObservabilityStyles();
  const [period, setPeriod] = useState<Period>("24h");
  const routes = useApi(
    () => pier.call("GET /api/v1/traces/routes", { query: { app, period } }).then((r) => r.routes),
    [app, period],
    60_000,
  );
  const slowest = useApi(
    () =>
      pier
        .call("GET /api/v1/traces", { query: { app, period, sort: "slowest", limit: "20" } })
        .then((r) => r.traces),
    [app, period],
    60_000,
  );
  return (
    <>
      <div class="panel">
        <div class="spread">
          <h2>Slowest routes</h2>
          <select
            value={period}
            aria-label="Time range"
            onChange={(e) => setPeriod(periods.find((p) => p === e.currentTarget.value) ?? "24h")}
          >
            {periods.map((p) => (
              <option key={p} value={p}>
                last {p}
              </option>
            ))}
          </select>
        </div>
        <ListState
          query={routes}
          what="routes"
          empty="No traces yet: send spans with an OpenTelemetry exporter to /_pier/otlp on the app's host, or enable tracing in its Sentry SDK (docs: packages/traces)."
        >
          {(rows) => (
            <CardsTable
              testid="trace-routes"
              columns={["Route", "Service", "Requests", "Errors", "p50", "p95", "p99", "p95 over time"]}
              rows={rows}
            >
              {(r) => (
                <tr key={`${r.service} ${r.route}`}>
                  <td class="mono">{r.route}</td>
                  <td>{r.service}</td>
                  <td>{r.count}</td>
                  <td>{r.errors}</td>
                  <td>{formatMs(r.p50)}</td>
                  <td>{formatMs(r.p95)}</td>
                  <td>{formatMs(r.p99)}</td>
                  <td>
                    <Sparkline points={r.series} />
                  </td>
                </tr>
              )}
            </CardsTable>
          )}
        </ListState>
      </div>
      <div class="panel">
        <h2>Slowest requests</h2>
        <ListState query={slowest} what="traces" empty="No requests in this period.">
          {(rows) => (
            <CardsTable
              testid="trace-list"
              columns={["Route", "Service", "Duration", "Status", "When"]}
              rows={rows}
            >
              {(t) => (
                <tr key={t.spanId}>
                  <td class="mono">
                    <Link href={routeHref({ page: "trace", id: t.traceId })}>{t.route}</Link>
                  </td>
                  <td>{t.service}</td>
                  <td>{formatMs(t.durationMs)}</td>
                  <td>
                    <span class={`badge ${t.status === "error" ? "bad" : ""}`}>{t.status}</span>
                  </td>
                  <td>{relativeTime(t.start)}</td>
                </tr>
              )}
            </CardsTable>
          )}
        </ListState>
      </div>
    </>
  );
}
