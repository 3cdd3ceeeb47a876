import { useState } from "preact/hooks";
import { pier } from "../../api.ts";
import { TimeChart } from "../../components/charts/time-chart.tsx";
import { CardsTable, ErrorBox, Link, ListState, Loading, useAction } from "../../components/ui.tsx";
import { formatDuration, relativeTime, showBidiControls } from "../../format.ts";
import { addObservabilityStyles } from "../../observability-styles.ts";
import { routeHref } from "../../routes.ts";
import { useApi } from "../../use-api.ts";
import {
  type ErrorEvent,
  type ErrorFrame,
  type ErrorIssue,
  fillBuckets,
  type IssueDetail,
  issueBadge,
  replayIdOf,
} from "../errors-types.ts";

// One issue: status actions, events over time, the latest event's stack trace (in-app frames
// highlighted), breadcrumbs and tags. GET/PATCH /api/v1/errors/issues/:id.

const periodChoices = ["1h", "24h", "14d", "30d"] as const;

function EventsChart({ histogram }: { histogram: IssueDetail["histogram"] }) {
  const buckets = fillBuckets(histogram);
  return (
    <TimeChart
      testid="issue-events-chart"
      label="Events over time"
      height={140}
      x={buckets.map((b) => b.start)}
      stepMs={histogram.bucketMs}
      series={[{ label: "events", values: buckets.map((b) => b.count), color: "var(--bad)", kind: "bars" }]}
    />
  );
}

function FrameRow({ frame }: { frame: ErrorFrame }) {
  const where = frame.module ?? frame.filename ?? "?";
  return (
    <li class={frame.inApp ? "frame in-app" : "frame"} data-in-app={frame.inApp ? "true" : "false"}>
      <span class="mono">
        <b>{frame.function ?? "?"}</b> <span class="muted">in</span> {where}
        {frame.lineno !== null ? `:${frame.lineno}${frame.colno !== null ? `:${frame.colno}` : ""}` : ""}
      </span>
      {frame.minified ? (
        <div class="small muted" data-testid="source-mapped">
          source-mapped from {frame.minified.absPath}:{frame.minified.lineno}:{frame.minified.colno}
        </div>
      ) : null}
      {frame.inApp && frame.contextLine ? (
        <pre>
          {frame.preContext.map((l) => `  ${l}\n`).join("")}
          <b>{`> ${frame.contextLine}\n`}</b>
          {frame.postContext.map((l) => `  ${l}\n`).join("")}
        </pre>
      ) : null}
    </li>
  );
}

function StackTrace({ event }: { event: ErrorEvent }) {
  const [showLibrary, setShowLibrary] = useState(false);
  // Newest first: the thrown exception, its crashing frame on top (the API stores oldest first).
  const exceptions = [...event.exceptions].reverse();
  if (exceptions.length === 0) return event.message ? <pre>{event.message}</pre> : null;
  return (
    <div data-testid="stack-trace">
      <label class="inline small">
        <input
          type="checkbox"
          checked={showLibrary}
          onChange={(e) => setShowLibrary(e.currentTarget.checked)}
        />{" "}
        show library frames
      </label>
      {exceptions.map((exception, i) => (
        <div key={`${exception.type}-${i}`}>
          <h3 class="outside-text">
            {showBidiControls(exception.type ?? "Error")}
            {exception.value ? <span class="muted">: {showBidiControls(exception.value)}</span> : null}
          </h3>
          <ol class="frames">
            {[...exception.frames]
              .reverse()
              .filter((f) => showLibrary || f.inApp)
              .map((frame, j) => (
                <FrameRow key={`${frame.filename}-${frame.function}-${j}`} frame={frame} />
              ))}
          </ol>
        </div>
      ))}
    </div>
  );
}

/** Breadcrumbs as a timeline, oldest first, errors and warnings marked. */
function Breadcrumbs({ event }: { event: ErrorEvent }) {
  if (event.breadcrumbs.length === 0) return null;
  return (
    <>
      <h3>Breadcrumbs</h3>
      <ol class="timeline" data-testid="breadcrumbs">
        {event.breadcrumbs.map((b, i) => (
          <li key={`${b.timestamp}-${i}`} class={b.level ?? ""}>
            <span class="small muted">
              {b.timestamp ? new Date(b.timestamp).toLocaleTimeString() : ""} ·{" "}
              {b.category ?? b.type ?? "default"}
              {b.level && b.level !== "info" ? ` · ${b.level}` : ""}
            </span>
            <div class="mono small">{b.message ?? (b.data ? JSON.stringify(b.data) : "")}</div>
          </li>
        ))}
      </ol>
    </>
  );
}

/** The issue's recent events; choosing one shows it below instead of the latest. */
function EventsPanel(props: {
  issueId: string;
  projectId: number;
  chosen: string | null;
  onChoose: (eventId: string | null) => void;
}) {
  const events = useApi(
    () =>
      pier
        .call("GET /api/v1/errors/issues/:id/events", { params: { id: props.issueId }, query: { limit: 20 } })
        .then((a) => a.events),
    [props.issueId],
    30_000,
  );
  return (
    <section class="panel" aria-label="Events">
      <h2>Events</h2>
      <ListState query={events} what="events" empty="No events stored (they may have expired).">
        {(rows) => (
          <CardsTable
            testid="issue-events"
            columns={["Received", "Level", "Release", "Environment", ""]}
            rows={rows}
          >
            {(e) => (
              <tr key={e.eventId} class={props.chosen === e.eventId ? "selected" : ""}>
                <td data-label="Received">{new Date(e.receivedAt).toLocaleString()}</td>
                <td data-label="Level">{e.level}</td>
                <td data-label="Release">{e.release ?? "–"}</td>
                <td data-label="Environment">{e.environment ?? "–"}</td>
                <td data-label="">
                  <button
                    type="button"
                    aria-pressed={props.chosen === e.eventId}
                    onClick={() => props.onChoose(props.chosen === e.eventId ? null : e.eventId)}
                  >
                    {props.chosen === e.eventId ? "Showing" : "Show"}
                  </button>
                </td>
              </tr>
            )}
          </CardsTable>
        )}
      </ListState>
    </section>
  );
}

/** The session replays (Sentry's replayIntegration) in which events of this issue happened. */
function ReplaysPanel({ issueId }: { issueId: string }) {
  const replays = useApi(
    () =>
      pier
        .call("GET /api/v1/errors/issues/:id/replays", { params: { id: issueId }, query: { limit: 10 } })
        .then((a) => a.replays),
    [issueId],
    30_000,
  );
  // Most projects record no replays: the panel only shows once there is one.
  if (!replays.data?.length && !replays.error) return null;
  return (
    <section class="panel" aria-label="Replays">
      <h2>Replays</h2>
      <ListState query={replays} what="replays">
        {(rows) => (
          <CardsTable
            testid="issue-replays"
            columns={["Started", "Duration", "User", "Browser", ""]}
            rows={rows}
          >
            {(r) => (
              <tr key={r.replayId}>
                <td data-label="Started">{new Date(r.startedAt).toLocaleString()}</td>
                <td data-label="Duration">{formatDuration(r.durationMs)}</td>
                <td data-label="User">{r.user ?? "–"}</td>
                <td data-label="Browser">{[r.browser, r.os].filter(Boolean).join(" on ") || "–"}</td>
                <td data-label="">
                  <Link href={`/errors/projects/${r.projectId}/replays/${r.replayId}`}>Watch</Link>
                </td>
              </tr>
            )}
          </CardsTable>
        )}
      </ListState>
    </section>
  );
}

export function ErrorIssuePage({ id }: { id: string }) {
  addObservabilityStyles();
  const [period, setPeriod] = useState<IssueDetail["histogram"]["period"]>("24h");
  const detail = useApi(
    () => pier.call("GET /api/v1/errors/issues/:id", { params: { id }, query: { period } }),
    [id, period],
    30_000,
  );
  const action = useAction();
  const [chosen, setChosen] = useState<string | null>(null);
  const projectId = detail.data?.issue.projectId;
  const chosenEvent = useApi(
    async () =>
      chosen && projectId !== undefined
        ? (
            await pier.call("GET /api/v1/errors/projects/:id/events/:eventId", {
              params: { id: String(projectId), eventId: chosen },
            })
          ).event
        : undefined,
    [chosen, projectId],
  );
  if (detail.loading && !detail.data) return <Loading what="issue" />;
  if (!detail.data) return <ErrorBox error={detail.error} />;
  const { issue, latestEvent, tags, histogram, project } = detail.data;
  const event = chosenEvent.data ?? latestEvent;
  const badge = issueBadge(issue);
  const change = (status: ErrorIssue["status"]) =>
    action.run(() =>
      pier
        .call("PATCH /api/v1/errors/issues/:id", { params: { id: issue.id }, body: { status } })
        .then(detail.reload),
    );
  return (
    <div class="obs">
      <p class="small">
        <Link href="/errors">← Errors</Link>
        {project ? <span class="muted"> · {project.name}</span> : null}
      </p>
      <h1 data-testid="issue-title">{issue.title}</h1>
      <p class="mono small muted">{issue.culprit}</p>
      <div class="panel">
        <div class="spread">
          <div class="stats">
            <span>
              <span class={`badge ${badge.tone}`} data-testid="issue-status">
                {badge.label}
              </span>
            </span>
            <span>
              <b>{issue.count}</b>
              <span class="small muted">events</span>
            </span>
            <span>
              <b>{issue.usersCount}</b>
              <span class="small muted">users</span>
            </span>
            <span>
              <b>{relativeTime(issue.firstSeen)}</b>
              <span class="small muted">
                first seen {issue.firstRelease ? `in ${issue.firstRelease}` : ""}
              </span>
            </span>
            <span>
              <b>{relativeTime(issue.lastSeen)}</b>
              <span class="small muted">last seen {issue.lastRelease ? `in ${issue.lastRelease}` : ""}</span>
            </span>
          </div>
          <span>
            {issue.status !== "resolved" ? (
              <button type="button" class="primary" disabled={action.busy} onClick={() => change("resolved")}>
                Resolve
              </button>
            ) : null}{" "}
            {issue.status !== "ignored" ? (
              <button type="button" disabled={action.busy} onClick={() => change("ignored")}>
                Ignore
              </button>
            ) : null}{" "}
            {issue.status !== "unresolved" ? (
              <button type="button" disabled={action.busy} onClick={() => change("unresolved")}>
                Reopen
              </button>
            ) : null}
          </span>
        </div>
        <ErrorBox error={action.error ?? detail.error} />
        {issue.status === "resolved" && issue.resolvedInRelease ? (
          <p class="small muted">
            Resolved in {issue.resolvedInRelease}: an event from a newer release reopens it.
          </p>
        ) : null}
      </div>
      <div class="panel">
        <div class="spread">
          <h2>Events over time</h2>
          <select
            value={period}
            onChange={(e) => setPeriod(periodChoices.find((p) => p === e.currentTarget.value) ?? "24h")}
          >
            <option value="1h">1 hour</option>
            <option value="24h">24 hours</option>
            <option value="14d">14 days</option>
            <option value="30d">30 days</option>
          </select>
        </div>
        <EventsChart histogram={histogram} />
      </div>
      <EventsPanel issueId={issue.id} projectId={issue.projectId} chosen={chosen} onChoose={setChosen} />
      <ReplaysPanel issueId={issue.id} />
      {event ? (
        <div class="panel" data-testid="event-detail">
          <h2>{chosen ? `Event ${event.eventId.slice(0, 8)}` : "Latest event"}</h2>
          <p class="small muted">
            {new Date(event.timestamp).toLocaleString()} · {event.platform}
            {event.release ? ` · release ${event.release}` : ""}
            {event.environment ? ` · ${event.environment}` : ""}
            {event.user
              ? ` · user ${event.user.id ?? event.user.email ?? event.user.username ?? event.user.ipAddress}`
              : ""}
            {event.request?.url ? ` · ${event.request.method ?? ""} ${event.request.url}` : ""}
          </p>
          {replayIdOf(event) ? (
            <p class="small" data-testid="event-replay-link">
              <Link href={`/errors/projects/${issue.projectId}/replays/${replayIdOf(event)}`}>
                Watch the session replay of this event
              </Link>
            </p>
          ) : null}
          <TraceLink contexts={event.contexts} />
          <StackTrace event={event} />
          <Breadcrumbs event={event} />
        </div>
      ) : null}
      {tags.length ? (
        <div class="panel">
          <h2>Tags</h2>
          <table data-testid="issue-tags">
            <tbody>
              {tags.map((tag) => (
                <tr key={tag.key}>
                  <td class="mono small">{tag.key}</td>
                  <td class="small">
                    {tag.topValues
                      .map((v) => `${v.value} (${Math.round((v.count / tag.totalCount) * 100)}%)`)
                      .join(", ")}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  );
}

/** The trace the event happened in (`contexts.trace.trace_id`, set by every Sentry SDK with tracing). */
function TraceLink({ contexts }: { contexts: Record<string, unknown> }) {
  const trace = contexts.trace as { trace_id?: unknown } | undefined;
  const id = typeof trace?.trace_id === "string" ? trace.trace_id.replaceAll("-", "").toLowerCase() : "";
  if (!/^[0-9a-f]{32}$/.test(id)) return null;
  return (
    <p class="small">
      <Link href={routeHref({ page: "trace", id })} class="event-trace-link">
        View the trace of this event →
      </Link>
    </p>
  );
}
