import { useState } from "preact/hooks";
import { pier } from "../api.ts";
import { ErrorBox, Link, Loading, useAction } from "../components/ui.tsx";
import { relativeTime } from "../format.ts";
import { useApi } from "../use-api.ts";
import {
  type ErrorEvent,
  type ErrorFrame,
  type ErrorIssue,
  fillBuckets,
  type IssueDetail,
  issueBadge,
} from "./errors-types.ts";

// One issue: status actions, events over time, the latest event's stack trace (in-app frames
// highlighted), breadcrumbs and tags. GET/PATCH /api/v1/errors/issues/:id.

const periodChoices = ["1h", "24h", "14d", "30d"] as const;

function EventsChart({ histogram }: { histogram: IssueDetail["histogram"] }) {
  const buckets = fillBuckets(histogram);
  const width = 640;
  const height = 120;
  const max = Math.max(1, ...buckets.map((b) => b.count));
  const slot = width / Math.max(buckets.length, 1);
  const when = (ms: number) =>
    histogram.bucketMs >= 86_400_000
      ? new Date(ms).toLocaleDateString()
      : new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  return (
    <svg class="chart" viewBox={`0 0 ${width} ${height + 14}`} role="img" aria-label="Events over time">
      {buckets.map((b, i) => {
        const h = (b.count / max) * height;
        return (
          <rect
            key={b.start}
            x={i * slot + slot * 0.1}
            y={height - h}
            width={slot * 0.8}
            height={h}
            fill="var(--bad)"
          >
            <title>{`${when(b.start)}: ${b.count} events`}</title>
          </rect>
        );
      })}
      <line x1="0" x2={width} y1={height} y2={height} stroke="var(--border)" />
      <text x="0" y={height + 12} font-size="10" fill="var(--muted)">
        {buckets.length ? when(buckets[0]!.start) : ""}
      </text>
      <text x={width} y={height + 12} font-size="10" fill="var(--muted)" text-anchor="end">
        max {max} per bucket
      </text>
    </svg>
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
          <h3>
            {exception.type ?? "Error"}
            {exception.value ? <span class="muted">: {exception.value}</span> : null}
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

export function ErrorIssuePage({ id }: { id: string }) {
  const [period, setPeriod] = useState<IssueDetail["histogram"]["period"]>("24h");
  const detail = useApi(
    () => pier.call("GET /api/v1/errors/issues/:id", { params: { id }, query: { period } }),
    [id, period],
    30_000,
  );
  const action = useAction();
  if (detail.loading && !detail.data) return <Loading what="issue" />;
  if (!detail.data) return <ErrorBox error={detail.error} />;
  const { issue, latestEvent: event, tags, histogram, project } = detail.data;
  const badge = issueBadge(issue);
  const change = (status: ErrorIssue["status"]) =>
    action.run(() =>
      pier
        .call("PATCH /api/v1/errors/issues/:id", { params: { id: issue.id }, body: { status } })
        .then(detail.reload),
    );
  return (
    <>
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
      {event ? (
        <div class="panel">
          <h2>Latest event</h2>
          <p class="small muted">
            {new Date(event.timestamp).toLocaleString()} · {event.platform}
            {event.release ? ` · release ${event.release}` : ""}
            {event.environment ? ` · ${event.environment}` : ""}
            {event.user
              ? ` · user ${event.user.id ?? event.user.email ?? event.user.username ?? event.user.ipAddress}`
              : ""}
            {event.request?.url ? ` · ${event.request.method ?? ""} ${event.request.url}` : ""}
          </p>
          <StackTrace event={event} />
          {event.breadcrumbs.length ? (
            <>
              <h3>Breadcrumbs</h3>
              <table data-testid="breadcrumbs">
                <tbody>
                  {event.breadcrumbs.map((b, i) => (
                    <tr key={`${b.timestamp}-${i}`}>
                      <td class="small muted">
                        {b.timestamp ? new Date(b.timestamp).toLocaleTimeString() : ""}
                      </td>
                      <td class="small">{b.category ?? b.type ?? ""}</td>
                      <td class="mono small">{b.message ?? ""}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          ) : null}
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
    </>
  );
}
