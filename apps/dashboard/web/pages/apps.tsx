import type { PierRoute } from "@pier/contract";
import type { ClientOutput, RouteOf } from "@pier/http/contract";
import { useLayoutEffect } from "preact/hooks";
import { ApiError, errorMessage, pier } from "../api.ts";
import { Sparkline } from "../components/sparkline.tsx";
import { CardsTable, EmptyState, Link, ListState, StatusBadge } from "../components/ui.tsx";
import { releaseLine } from "../deployments.ts";
import {
  compactNumber,
  formatPercent,
  isInProgress,
  relativeTime,
  shortSha,
  statusLabel,
} from "../format.ts";
import { useActivity, useDeployChanges } from "../live.ts";
import { useApi } from "../use-api.ts";
import { PlatformHealth } from "./platform-health.tsx";

type OverviewApp = ClientOutput<RouteOf<PierRoute, "GET /api/v1/apps-overview">>["apps"][number];
type Activity = ClientOutput<RouteOf<PierRoute, "GET /api/v1/apps-activity">>;
type Nullable<T, K extends keyof T> = Omit<T, K> & { [P in K]: T[P] | null };
/** A row of the list: the overview's, or only name and domains when the overview is unavailable. */
type AppSummary = Nullable<
  Pick<
    OverviewApp,
    | "name"
    | "domains"
    | "status"
    | "url"
    | "currentDeployment"
    | "lastDeployment"
    | "replicas"
    | "lastDeployAt"
  >,
  "status" | "url" | "replicas"
>;

interface AppsAnswer {
  apps: AppSummary[];
  /** Set when the overview endpoint failed and only the plain app list could be shown. */
  degraded: string | null;
}

let prefetched: { promise: Promise<AppsAnswer>; at: number } | null = null;

/**
 * Started at boot next to the session check when the first page is the home, so the list does
 * not wait for /auth/me, a render and an effect before asking (docs/performance.md, Measured while
 * building).
 */
export function prefetchApps(): void {
  const promise = fetchApps();
  promise.catch(() => {}); // an anonymous visitor's 401 is expected here; the login page follows
  prefetched = { promise, at: Date.now() };
}

export function dropPrefetchedApps(): void {
  prefetched = null;
}

function loadApps(): Promise<AppsAnswer> {
  const early = prefetched;
  prefetched = null;
  if (early && Date.now() - early.at < 5000) return early.promise;
  return fetchApps();
}

async function fetchApps(): Promise<AppsAnswer> {
  try {
    const { apps } = await pier.call("GET /api/v1/apps-overview");
    return { apps, degraded: null };
  } catch (error) {
    // A server without the deploy API still lists apps; the user is told what is missing.
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
    const { apps } = await pier.call("GET /api/v1/apps");
    const summaries = apps.map((a) => ({
      name: a.name,
      status: null,
      url: null,
      domains: [],
      currentDeployment: null,
      lastDeployment: null,
      replicas: null,
      lastDeployAt: null,
    }));
    return { apps: summaries, degraded: `Deployment status is unavailable: ${errorMessage(error)}` };
  }
}

export function release(current: AppSummary["currentDeployment"]): string {
  if (!current) return "–";
  return current.commitSha
    ? `${shortSha(current.commitSha)}${current.branch ? ` (${current.branch})` : ""}`
    : current.id;
}

/** The newest deployment in one line: what, by whom, when (a running one says what it is doing). */
function LastDeploy({ app }: { app: AppSummary }) {
  const last = app.lastDeployment;
  if (!last) return <span class="muted">Never deployed</span>;
  const running = isInProgress(last.status);
  return (
    <div class="deploy-line">
      <div>
        {running ? <strong>{statusLabel(last.status)}… </strong> : null}
        <span class="mono">{releaseLine(last)}</span>
      </div>
      <div class="muted">
        {relativeTime(last.createdAt)}
        {last.actor ? ` by ${last.actor}` : ""}
        {last.environment && last.environment !== "production" ? ` · ${last.environment}` : ""}
        {last.status === "failed" ? " · failed" : ""}
      </div>
    </div>
  );
}

function Traffic({ activity, hours }: { activity: Activity["apps"][number] | undefined; hours: number }) {
  if (!activity) return <span class="muted">–</span>;
  const perMinute = activity.totalRequests / (hours * 60);
  const text =
    perMinute >= 1
      ? `${compactNumber(perMinute)}/min`
      : `${compactNumber(activity.totalRequests)} in ${hours} h`;
  return (
    <span class="spark" title={`${activity.totalRequests} requests in ${hours} h`}>
      <Sparkline values={activity.requests} label={`Requests over ${hours} hours: ${text}`} />
      <span class="num small">{text}</span>
    </span>
  );
}

function Figures({ apps, activity }: { apps: AppSummary[]; activity: Activity | undefined }) {
  const live = apps.filter((a) => a.status === "live" || a.status === "sleeping").length;
  const attention = apps.filter((a) => a.status === "failed" || a.status === "crashed").length;
  const deploying = apps.filter((a) => a.status === "deploying").length;
  const requests = activity?.apps.reduce((sum, a) => sum + a.totalRequests, 0);
  const errors = activity?.apps.reduce((sum, a) => sum + (a.errorEvents ?? 0) + a.errors5xx, 0);
  return (
    <div class="figures" data-testid="figures">
      <div class="figure">
        <b>
          {live}/{apps.length}
        </b>
        <span>apps live</span>
      </div>
      <div class="figure">
        <b>{deploying}</b>
        <span>deploying now</span>
      </div>
      <div class="figure">
        <b style={attention ? { color: "var(--bad)" } : undefined}>{attention}</b>
        <span>failed or crashed</span>
      </div>
      <div class="figure">
        <b>{requests === undefined ? "–" : compactNumber(requests)}</b>
        <span>requests in 24 h</span>
      </div>
      <div class="figure">
        <b>{errors === undefined ? "–" : compactNumber(errors)}</b>
        <span>errors and 5xx in 24 h</span>
      </div>
    </div>
  );
}

/** The home: every app with its state and activity, then the platform it runs on. */
export function AppsPage() {
  const apps = useApi(loadApps, [], 15_000);
  const activity = useApi(() => pier.call("GET /api/v1/apps-activity"), [], 60_000);
  // Every deployment's change reaches the list at once, and the activity whenever it changed (the
  // stream looks every 10 s); the polls are only a safety net.
  useDeployChanges(
    () => true,
    () => apps.reload(),
  );
  useActivity(activity.replace);
  const rendered = apps.data !== undefined;
  const withActivity = rendered && activity.data !== undefined;
  useLayoutEffect(() => {
    // Read by bench/dashboard: navigation start to the list first in the DOM, clickable, and to
    // its sparklines and figures filled in.
    if (rendered && performance.getEntriesByName("pier:apps-rendered").length === 0) {
      performance.mark("pier:apps-rendered");
    }
    if (withActivity && performance.getEntriesByName("pier:activity-rendered").length === 0) {
      performance.mark("pier:activity-rendered");
    }
  }, [rendered, withActivity]);
  const byName = new Map(activity.data?.apps.map((a) => [a.name, a]));
  return (
    <>
      <div class="page-head">
        <div>
          <h1>Overview</h1>
          <div class="sub">Your apps and the server they run on.</div>
        </div>
        <Link href="/new" class="button primary">
          New app
        </Link>
      </div>
      {apps.data?.degraded ? <div class="notice">{apps.data.degraded}</div> : null}
      {apps.data && apps.data.apps.length > 0 ? (
        <Figures apps={apps.data.apps} activity={activity.data} />
      ) : null}
      <section class="panel" aria-labelledby="apps-heading">
        <h2 id="apps-heading">Apps</h2>
        <p class="small muted">Requests, errors and uptime over the last 24 hours.</p>
        <ListState
          query={apps}
          what="apps"
          isEmpty={(list) => list.apps.length === 0}
          empty={
            <EmptyState title="No apps yet" testid="apps-empty">
              <p>
                An app is a name that answers at <span class="mono">NAME.your-domain</span>: create one, then
                push with git, upload a folder or deploy an image.
              </p>
              <div class="row">
                <Link href="/new" class="button primary">
                  Create your first app
                </Link>
              </div>
            </EmptyState>
          }
        >
          {(list) => (
            <CardsTable
              testid="apps-table"
              columns={["App", "Status", "Last deploy", "Requests", "Errors", "Uptime"]}
              rows={list.apps}
            >
              {(app) => {
                const act = byName.get(app.name);
                return (
                  <tr key={app.name} data-app={app.name}>
                    <td data-label="App">
                      <Link href={`/apps/${app.name}`} class="app-name">
                        {app.name}
                      </Link>
                      {app.url ? (
                        <a class="app-url" href={app.url} target="_blank" rel="noreferrer">
                          {(app.domains[0] ?? app.url).replace(/^https?:\/\//, "")}
                        </a>
                      ) : null}
                    </td>
                    <td data-label="Status">
                      <StatusBadge status={app.status} />
                    </td>
                    <td data-label="Last deploy">
                      <LastDeploy app={app} />
                    </td>
                    <td data-label="Requests">
                      <Traffic activity={act} hours={activity.data?.hours ?? 24} />
                    </td>
                    <td data-label="Errors" class="num">
                      {act ? (
                        <span
                          title={`${act.errorEvents ?? "?"} error events, ${act.errors5xx} answers with 5xx`}
                        >
                          {act.errorEvents ?? "–"}
                          {act.errors5xx ? <span class="small muted"> · {act.errors5xx} 5xx</span> : null}
                        </span>
                      ) : (
                        "–"
                      )}
                    </td>
                    <td data-label="Uptime" class="num">
                      {act?.uptime !== null && act?.uptime !== undefined ? (
                        <span
                          class={`badge ${act.monitor === "down" || act.uptime < 95 ? "bad" : act.uptime < 99.9 ? "warn" : "ok"}`}
                        >
                          {formatPercent(act.uptime)}
                        </span>
                      ) : (
                        <span class="muted">–</span>
                      )}
                    </td>
                  </tr>
                );
              }}
            </CardsTable>
          )}
        </ListState>
      </section>
      <PlatformHealth />
    </>
  );
}
