import { useState } from "preact/hooks";
import { pier } from "../../api.ts";
import { TimeChart } from "../../components/charts/time-chart.tsx";
import { Segmented } from "../../components/segmented.tsx";
import {
  CardsTable,
  ConfirmButton,
  ErrorBox,
  Link,
  ListState,
  Loading,
  useAction,
} from "../../components/ui.tsx";
import { formatDuration, relativeTime } from "../../format.ts";
import { addObservabilityStyles } from "../../observability-styles.ts";
import { navigate } from "../../router.ts";
import { useApi, useReloadOn } from "../../use-api.ts";
import { MonitorForm } from "./monitor-form.tsx";
import { dayTone, type MonitorStats, monitorTones, uptimeText } from "./uptime-types.ts";

// One monitor: uptime over 24 h to 90 d, response times (p50/p95) over a day or a week, 90 daily
// bars, its checks and incidents, and every field editable. GET /api/v1/monitors/:m and friends.

const ms = (v: number | null) => (v === null ? "–" : `${Math.round(v)} ms`);

function LatencyChart({ id, version }: { id: string; version: number }) {
  const [period, setPeriod] = useState<"24h" | "7d">("24h");
  const series = useApi(
    () => pier.call("GET /api/v1/monitors/:monitor/latency", { params: { monitor: id }, query: { period } }),
    [id, period],
    60_000,
  );
  useReloadOn(version, series);
  return (
    <section class="panel" aria-label="Response time">
      <div class="spread">
        <h2>Response time</h2>
        <Segmented
          label="Response time over"
          options={[
            ["24h", "24 hours"],
            ["7d", "7 days"],
          ]}
          value={period}
          onChange={setPeriod}
        />
      </div>
      <ListState query={series} what="response times">
        {(s) =>
          s.points.every((p) => p.checks === 0) ? (
            <p class="muted">No checks in this period yet.</p>
          ) : (
            <TimeChart
              testid="monitor-latency-chart"
              label={`Response time p50 and p95 per ${s.bucketMs >= 3_600_000 ? "hour" : "5 minutes"}, failed checks as bars`}
              x={s.points.map((p) => p.t)}
              stepMs={s.bucketMs}
              leftFormat={(v) => `${v} ms`}
              series={[
                {
                  label: "p50",
                  values: s.points.map((p) => p.p50),
                  color: "var(--accent)",
                  format: (v) => `${v} ms`,
                },
                {
                  label: "p95",
                  values: s.points.map((p) => p.p95),
                  color: "var(--p95)",
                  format: (v) => `${v} ms`,
                },
                {
                  label: "failed checks",
                  values: s.points.map((p) => p.failures || null),
                  color: "var(--bad)",
                  kind: "bars",
                  right: true,
                },
              ]}
            />
          )
        }
      </ListState>
    </section>
  );
}

function DayBars({ daily }: { daily: MonitorStats["daily"] }) {
  return (
    <div
      class="day-bars"
      data-testid="monitor-day-bars"
      role="img"
      aria-label="Uptime per day over the last 90 days"
    >
      {daily.map((d) => {
        const tone = dayTone(d);
        const up = d.checks ? `${(((d.checks - d.failures) / d.checks) * 100).toFixed(2)} % up` : "no checks";
        return (
          <span
            key={d.day}
            class={tone}
            title={`${d.day}: ${up}${d.failures ? `, ${d.failures} failed` : ""}`}
          />
        );
      })}
    </div>
  );
}

export function MonitorPage({ id }: { id: string }) {
  addObservabilityStyles();
  const [version, setVersion] = useState(0);
  const stats = useApi(
    () => pier.call("GET /api/v1/monitors/:monitor", { params: { monitor: id } }),
    [id],
    30_000,
  );
  const checks = useApi(
    () =>
      pier
        .call("GET /api/v1/monitors/:monitor/checks", { params: { monitor: id }, query: { limit: 50 } })
        .then((a) => a.checks),
    [id],
    30_000,
  );
  const incidents = useApi(
    () => pier.call("GET /api/v1/incidents", { query: { monitor: id, limit: 50 } }).then((a) => a.incidents),
    [id],
    30_000,
  );
  useReloadOn(version, stats, checks, incidents);
  const action = useAction();
  const [editing, setEditing] = useState(false);
  const refresh = () => setVersion((v) => v + 1);
  if (!stats.data) return stats.loading ? <Loading what="monitor" /> : <ErrorBox error={stats.error} />;
  const { monitor: m, uptime, latency, daily } = stats.data;
  return (
    <div class="obs">
      <p class="small">
        <Link href="/uptime">← Uptime</Link>
      </p>
      <div class="spread">
        <h1 data-testid="monitor-title">{m.name}</h1>
        <span class={`badge ${monitorTones[m.status]}`} data-testid="monitor-status">
          {m.status}
        </span>
      </div>
      <p class="mono small muted">
        {m.kind.toUpperCase()} {m.target} · every {m.intervalSeconds} s{m.auto ? " · made for its app" : ""}
        {m.lastError ? ` · last error: ${m.lastError}` : ""}
      </p>
      <section class="panel" aria-label="Uptime">
        <div class="toolbar">
          <button
            type="button"
            disabled={action.busy}
            onClick={() =>
              action.run(() =>
                pier
                  .call("POST /api/v1/monitors/:monitor/check", { params: { monitor: m.id } })
                  .then(refresh),
              )
            }
          >
            Check now
          </button>
          <button
            type="button"
            disabled={action.busy}
            onClick={() =>
              action.run(() =>
                pier
                  .call("PATCH /api/v1/monitors/:monitor", {
                    params: { monitor: m.id },
                    body: { enabled: !m.enabled },
                  })
                  .then(refresh),
              )
            }
          >
            {m.enabled ? "Pause" : "Resume"}
          </button>
          <button type="button" aria-expanded={editing} onClick={() => setEditing(!editing)}>
            {editing ? "Close editor" : "Edit monitor"}
          </button>
          <ConfirmButton
            label="Delete"
            danger
            question={`Delete monitor "${m.name}" and its history?`}
            confirmLabel="Delete"
            onConfirm={async () => {
              await pier.call("DELETE /api/v1/monitors/:monitor", { params: { monitor: m.id } });
              navigate("/uptime");
            }}
          />
        </div>
        <ErrorBox error={action.error ?? stats.error} />
        {editing ? (
          <MonitorForm
            monitor={m}
            onSaved={() => {
              setEditing(false);
              refresh();
            }}
          />
        ) : null}
        <div class="kpis" data-testid="monitor-uptime">
          {(["24h", "7d", "30d", "90d"] as const).map((w) => (
            <span key={w}>
              <b>{uptimeText(uptime[w])}</b>
              <span class="small muted">up, {w}</span>
            </span>
          ))}
          <span>
            <b>{ms(latency["24h"].p50)}</b>
            <span class="small muted">p50, 24h</span>
          </span>
          <span>
            <b>{ms(latency["24h"].p95)}</b>
            <span class="small muted">p95, 24h</span>
          </span>
          <span>
            <b>{ms(latency["7d"].p95)}</b>
            <span class="small muted">p95, 7d</span>
          </span>
        </div>
        <h2>Last 90 days</h2>
        <DayBars daily={daily} />
        <div class="spread small muted">
          <span>{daily[0]?.day}</span>
          <span>today</span>
        </div>
      </section>
      <LatencyChart id={m.id} version={version} />
      <div class="grid-2">
        <section class="panel" aria-label="Incidents">
          <h2>Incidents</h2>
          <ListState query={incidents} what="incidents" empty="No incidents. Quiet is good.">
            {(rows) => (
              <CardsTable
                testid="monitor-incidents"
                columns={["State", "Started", "Duration", "Reason"]}
                rows={rows}
              >
                {(i) => (
                  <tr key={i.id}>
                    <td data-label="State">
                      <span class={`badge ${i.open ? "bad" : "ok"}`}>{i.open ? "ongoing" : "resolved"}</span>
                    </td>
                    <td data-label="Started">{relativeTime(i.startedAt)}</td>
                    <td data-label="Duration">{formatDuration(i.durationMs)}</td>
                    <td data-label="Reason">{i.reason}</td>
                  </tr>
                )}
              </CardsTable>
            )}
          </ListState>
        </section>
        <section class="panel" aria-label="Check history">
          <h2>Check history</h2>
          <ListState query={checks} what="checks" empty="Not checked yet.">
            {(rows) => (
              <CardsTable
                testid="monitor-checks"
                columns={["When", "Result", "Status", "Time", "Error"]}
                rows={rows}
              >
                {(c) => (
                  <tr key={c.at}>
                    <td data-label="When" title={new Date(c.at).toLocaleString()}>
                      {relativeTime(c.at)}
                    </td>
                    <td data-label="Result">
                      <span class={`badge ${c.ok ? "ok" : "bad"}`}>{c.ok ? "up" : "down"}</span>
                    </td>
                    <td data-label="Status">{c.status ?? "–"}</td>
                    <td data-label="Time">{ms(c.latencyMs)}</td>
                    <td data-label="Error">{c.error ?? ""}</td>
                  </tr>
                )}
              </CardsTable>
            )}
          </ListState>
        </section>
      </div>
    </div>
  );
}
