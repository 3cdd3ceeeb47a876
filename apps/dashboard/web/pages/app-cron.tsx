import type { PierRoute } from "@pier/contract";
import type { ClientOutput, RouteOf } from "@pier/http/contract";
import { useState } from "preact/hooks";
import { pier } from "../api.ts";
import { CardsTable, ErrorBox, ListState, StatusBadge, useAction } from "../components/ui.tsx";
import { relativeTime } from "../format.ts";
import { useApi } from "../use-api.ts";

type Run = ClientOutput<RouteOf<PierRoute, "GET /api/v1/apps/:name/cron/history">>["runs"][number];

const duration = (ms: number | null) => (ms === null ? "–" : `${(ms / 1000).toFixed(1)} s`);
const result = (run: Run) =>
  run.exitCode !== null ? `exit ${run.exitCode}` : run.httpStatus !== null ? `HTTP ${run.httpStatus}` : "";

/** The app's [[cron]] jobs with their next and last run, a Run now button, and the history. */
export function CronTab({ app }: { app: string }) {
  const jobs = useApi(
    () => pier.call("GET /api/v1/apps/:name/cron", { params: { name: app } }).then((a) => a.jobs),
    [app],
    5000,
  );
  const [job, setJob] = useState<string | undefined>(undefined);
  const runs = useApi(
    () =>
      pier
        .call("GET /api/v1/apps/:name/cron/history", {
          params: { name: app },
          query: { limit: 50, ...(job ? { job } : {}) },
        })
        .then((a) => a.runs),
    [app, job],
    5000,
  );
  const start = useAction();
  const [open, setOpen] = useState<string | null>(null);
  return (
    <>
      <div class="panel">
        <h2>Cron jobs</h2>
        <p class="small muted">
          Declared with <code>[[cron]]</code> in the app's <code>pier.toml</code>; they run in one-off
          containers of the live production release.
        </p>
        <ErrorBox error={start.error} />
        <ListState
          query={jobs}
          what="cron jobs"
          empty="No cron jobs: add [[cron]] entries to pier.toml and deploy."
        >
          {(rows) => (
            <CardsTable
              testid="cron-jobs-table"
              columns={["Job", "Schedule", "Runs", "Next run", "Last run", ""]}
              rows={rows}
            >
              {(j) => (
                <tr key={j.name}>
                  <td data-label="Job">
                    <button
                      type="button"
                      class="link"
                      onClick={() => setJob(j.name === job ? undefined : j.name)}
                    >
                      {j.name}
                    </button>
                  </td>
                  <td data-label="Schedule" class="mono">
                    {j.schedule}
                    {j.timezone === "UTC" ? "" : ` (${j.timezone})`}
                  </td>
                  <td data-label="Runs" class="mono small">
                    {j.command
                      ? typeof j.command === "string"
                        ? j.command
                        : j.command.join(" ")
                      : `GET ${j.path}`}
                  </td>
                  <td data-label="Next run">{j.nextRunAt ? relativeTime(j.nextRunAt) : "–"}</td>
                  <td data-label="Last run">
                    {j.running ? (
                      <StatusBadge status="running" />
                    ) : j.lastRun ? (
                      <>
                        <StatusBadge status={j.lastRun.status} /> {relativeTime(j.lastRun.startedAt)}
                      </>
                    ) : (
                      "never"
                    )}
                  </td>
                  <td>
                    <button
                      type="button"
                      disabled={start.busy}
                      onClick={() =>
                        start.run(async () => {
                          await pier.call("POST /api/v1/apps/:name/cron/:job/run", {
                            params: { name: app, job: j.name },
                          });
                          await Promise.all([jobs.reload(), runs.reload()]);
                        })
                      }
                    >
                      Run now
                    </button>
                  </td>
                </tr>
              )}
            </CardsTable>
          )}
        </ListState>
      </div>
      <div class="panel">
        <h2>History{job ? ` of ${job}` : ""}</h2>
        <ListState query={runs} what="runs" empty="No runs yet.">
          {(rows) => (
            <CardsTable
              testid="cron-runs-table"
              columns={["Job", "Started", "Trigger", "Status", "Duration", "Output"]}
              rows={rows}
            >
              {(r) => (
                <tr key={r.id}>
                  <td data-label="Job">{r.job}</td>
                  <td data-label="Started" title={r.startedAt}>
                    {relativeTime(r.startedAt)}
                  </td>
                  <td data-label="Trigger">{r.trigger === "catch_up" ? "catch-up" : r.trigger}</td>
                  <td data-label="Status">
                    <StatusBadge status={r.status} /> <span class="small muted">{result(r)}</span>
                  </td>
                  <td data-label="Duration">{duration(r.durationMs)}</td>
                  <td data-label="Output">
                    {r.output.length || r.error ? (
                      open === r.id ? (
                        <pre class="log small">{[...(r.error ? [r.error] : []), ...r.output].join("\n")}</pre>
                      ) : (
                        <button type="button" class="link" onClick={() => setOpen(r.id)}>
                          {r.error ?? r.output[r.output.length - 1]}
                        </button>
                      )
                    ) : (
                      "–"
                    )}
                  </td>
                </tr>
              )}
            </CardsTable>
          )}
        </ListState>
      </div>
    </>
  );
}
