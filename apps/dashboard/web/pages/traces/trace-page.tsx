import { useState } from "preact/hooks";
import { pier } from "../../api.ts";
import { ErrorBox, Link, ListState, Loading } from "../../components/ui.tsx";
import { showBidiControls } from "../../format.ts";
import { addObservabilityStyles } from "../../observability-styles.ts";
import { routeHref } from "../../routes.ts";
import { useApi } from "../../use-api.ts";
import { formatMs } from "./format-ms.ts";
import { waterfall } from "./waterfall.ts";

/** One trace: every span of every service as a waterfall; a span's attributes and events on click. */
export function TracePage({ id }: { id: string }) {
  addObservabilityStyles();
  const trace = useApi(() => pier.call("GET /api/v1/traces/:traceId", { params: { traceId: id } }), [id]);
  const [chosen, setChosen] = useState<string | null>(null);
  if (trace.loading && !trace.data) return <Loading what="trace" />;
  if (!trace.data) return <ErrorBox error={trace.error} />;
  const { rows, totalMs } = waterfall(trace.data.spans);
  const services = [...new Set(trace.data.spans.map((s) => s.service))];
  const root = rows[0]?.span;
  const detail = trace.data.spans.find((s) => s.spanId === chosen);
  return (
    <div class="obs">
      <p class="small">
        <Link href={routeHref({ page: "apps" })}>← Apps</Link>
      </p>
      <h1>{root ? root.route : "Trace"}</h1>
      <p class="mono small muted" data-testid="trace-id">
        {id}
      </p>
      <div class="panel">
        <div class="stats">
          <span>
            <b>{formatMs(totalMs)}</b>
            <span class="small muted">duration</span>
          </span>
          <span>
            <b>{trace.data.spans.length}</b>
            <span class="small muted">spans</span>
          </span>
          <span>
            <b>{services.join(", ")}</b>
            <span class="small muted">{services.length === 1 ? "service" : "services"}</span>
          </span>
          {root ? (
            <span>
              <b>{new Date(root.start).toLocaleString()}</b>
              <span class="small muted">started</span>
            </span>
          ) : null}
        </div>
      </div>
      <div class="panel">
        <h2>Waterfall</h2>
        <div class="waterfall" data-testid="trace-waterfall">
          {rows.map((row) => (
            <button
              type="button"
              key={row.span.spanId}
              class={`waterfall-row${row.span.spanId === chosen ? " chosen" : ""}`}
              data-span={row.span.spanId}
              aria-pressed={row.span.spanId === chosen}
              onClick={() => setChosen(row.span.spanId === chosen ? null : row.span.spanId)}
            >
              <span class="waterfall-name" style={{ paddingLeft: `${row.depth * 1.1}rem` }}>
                <span class="muted small">{row.span.service}</span> {row.span.name}
              </span>
              <span class="waterfall-track">
                <span
                  class={`waterfall-bar${row.span.status === "error" ? " error" : ""}`}
                  style={{ left: `${row.offsetPct}%`, width: `${row.widthPct}%` }}
                />
              </span>
              <span class="waterfall-ms mono small">{formatMs(row.span.durationMs)}</span>
            </button>
          ))}
        </div>
      </div>
      {detail ? (
        <div class="panel" data-testid="span-detail">
          <h2>{detail.name}</h2>
          <p class="small muted">
            {detail.service} · {detail.kind} · {detail.status}
            {detail.statusMessage ? `: ${detail.statusMessage}` : ""} · {formatMs(detail.durationMs)} ·{" "}
            {detail.source === "sentry" ? "Sentry SDK" : "OpenTelemetry"}
          </p>
          <table class="kv span-attrs">
            <tbody>
              {Object.entries(detail.attributes).map(([key, value]) => (
                <tr key={key}>
                  <th class="mono small">{key}</th>
                  <td class="mono small">{typeof value === "string" ? value : JSON.stringify(value)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {detail.events.length ? (
            <>
              <h3>Events</h3>
              <ul class="small">
                {detail.events.map((event, i) => (
                  <li key={i}>
                    +{formatMs(event.time - detail.start)} {event.name}{" "}
                    <span class="mono muted">{JSON.stringify(event.attributes)}</span>
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </div>
      ) : null}
      <TraceErrors errors={trace.data.errors} />
    </div>
  );
}

/** The error events recorded in this trace, each linked to its issue. */
function TraceErrors({
  errors,
}: {
  errors: { projectId: number; eventId: string; spanId: string | null }[];
}) {
  const events = useApi(
    () =>
      Promise.all(
        errors.slice(0, 20).map(async (link) => {
          const { event, issueId } = await pier.call("GET /api/v1/errors/projects/:id/events/:eventId", {
            params: { id: String(link.projectId), eventId: link.eventId },
          });
          const thrown = event.exceptions.at(-1);
          const title = thrown
            ? `${thrown.type ?? "Error"}: ${thrown.value ?? ""}`
            : (event.message ?? "Error event");
          return { ...link, title, issueId };
        }),
      ),
    [errors.map((e) => e.eventId).join()],
  );
  if (errors.length === 0) return null;
  return (
    <div class="panel" data-testid="trace-errors">
      <h2>Errors in this trace</h2>
      <ListState query={events} what="errors">
        {(rows) => (
          <ul>
            {rows.map((row) => (
              <li key={row.eventId} class="outside-text">
                {row.issueId ? (
                  <Link href={routeHref({ page: "error-issue", id: row.issueId })}>
                    {showBidiControls(row.title)}
                  </Link>
                ) : (
                  showBidiControls(row.title)
                )}
              </li>
            ))}
          </ul>
        )}
      </ListState>
    </div>
  );
}
