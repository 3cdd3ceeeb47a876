import { useState } from "preact/hooks";
import { pier } from "../api.ts";
import { MetricsChart } from "../components/metrics-chart.tsx";
import { ListState } from "../components/ui.tsx";
import { fillMinutes, summarizeMetrics } from "../format.ts";
import { useAppActivity } from "../live.ts";
import { useApi } from "../use-api.ts";

const ranges = [60, 360, 1440];

export function MetricsTab({ app }: { app: string }) {
  const [minutes, setMinutes] = useState(60);
  const metrics = useApi(
    () =>
      pier
        .call("GET /api/v1/apps/:name/metrics", {
          params: { name: app },
          query: { minutes: String(minutes) },
        })
        .then((a) => a.points),
    [app, minutes],
    60_000,
  );
  // New traffic shows without a reload: the deploy-events stream says when the app's figures moved.
  useAppActivity(app, metrics.reload);
  const summary = summarizeMetrics(metrics.data ?? []);
  return (
    <div class="panel">
      <div class="spread">
        <h2>Traffic</h2>
        <select
          value={minutes}
          onChange={(e) => setMinutes(Number(e.currentTarget.value))}
          aria-label="Time range"
        >
          {ranges.map((m) => (
            <option key={m} value={m}>
              last {m >= 60 ? `${m / 60} h` : `${m} min`}
            </option>
          ))}
        </select>
      </div>
      <ListState query={metrics} what="metrics">
        {(points) => (
          <>
            <div class="stats" data-testid="metrics-summary">
              <span>
                <b>{summary.perMinute.toFixed(1)}</b>
                <span class="small muted">requests / min</span>
              </span>
              <span>
                <b>{(summary.errorRate * 100).toFixed(2)} %</b>
                <span class="small muted">5xx</span>
              </span>
              <span>
                <b>{summary.p95Ms === null ? "–" : `${Math.round(summary.p95Ms)} ms`}</b>
                <span class="small muted">worst p95</span>
              </span>
            </div>
            {points.length ? (
              <MetricsChart points={fillMinutes(points, minutes)} />
            ) : (
              <p class="muted">No requests in this period.</p>
            )}
            <div class="legend">
              <span>
                <i style={{ background: "var(--c2xx)" }} />
                2xx
              </span>
              <span>
                <i style={{ background: "var(--c3xx)" }} />
                3xx
              </span>
              <span>
                <i style={{ background: "var(--c4xx)" }} />
                4xx
              </span>
              <span>
                <i style={{ background: "var(--c5xx)" }} />
                5xx
              </span>
              <span>
                <i style={{ background: "var(--p95)" }} />
                p95 latency
              </span>
            </div>
          </>
        )}
      </ListState>
    </div>
  );
}
