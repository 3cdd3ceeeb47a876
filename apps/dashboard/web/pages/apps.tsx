import type { PierRoute } from "@pier/contract";
import type { ClientOutput, RouteOf } from "@pier/http/contract";
import { useLayoutEffect } from "preact/hooks";
import { ApiError, errorMessage, pier } from "../api.ts";
import { CardsTable, Link, ListState, StatusBadge } from "../components/ui.tsx";
import { relativeTime, shortSha } from "../format.ts";
import { useApi } from "../use-api.ts";

type OverviewApp = ClientOutput<RouteOf<PierRoute, "GET /api/v1/apps-overview">>["apps"][number];
type Nullable<T, K extends keyof T> = Omit<T, K> & { [P in K]: T[P] | null };
/** A row of the list: the overview's, or only name and domains when the overview is unavailable. */
type AppSummary = Nullable<
  Pick<
    OverviewApp,
    "name" | "domains" | "status" | "url" | "currentDeployment" | "replicas" | "lastDeployAt"
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
 * Started at boot next to the session check when the first page is the apps list, so the list does
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

export function AppsPage() {
  const apps = useApi(loadApps, [], 3000);
  const rendered = apps.data !== undefined;
  useLayoutEffect(() => {
    // Read by bench/dashboard: navigation start to the list first in the DOM, clickable.
    if (rendered && performance.getEntriesByName("pier:apps-rendered").length === 0) {
      performance.mark("pier:apps-rendered");
    }
  }, [rendered]);
  return (
    <>
      <div class="spread">
        <h1>Apps</h1>
        <Link href="/new" class="button primary">
          New app
        </Link>
      </div>
      {apps.data?.degraded ? <div class="notice">{apps.data.degraded}</div> : null}
      <ListState
        query={apps}
        what="apps"
        isEmpty={(list) => list.apps.length === 0}
        empty={
          <div class="panel">
            <p>No apps yet.</p>
            <Link href="/new">Create your first app</Link>
          </div>
        }
      >
        {(list) => (
          <div class="panel">
            <CardsTable
              testid="apps-table"
              columns={["App", "Status", "Release", "Domains", "Replicas", "Last deploy"]}
              rows={list.apps}
            >
              {(app) => (
                <tr key={app.name} data-app={app.name}>
                  <td data-label="App">
                    <Link href={`/apps/${app.name}`}>{app.name}</Link>
                  </td>
                  <td data-label="Status">
                    <StatusBadge status={app.status} />
                  </td>
                  <td data-label="Release" class="mono">
                    {release(app.currentDeployment)}
                  </td>
                  <td data-label="Domains">
                    {app.domains.length ? (
                      app.domains.join(", ")
                    ) : app.url ? (
                      <a href={app.url} target="_blank" rel="noreferrer">
                        {app.url.replace(/^https?:\/\//, "")}
                      </a>
                    ) : (
                      "–"
                    )}
                  </td>
                  <td data-label="Replicas">{app.replicas ?? "–"}</td>
                  <td data-label="Last deploy">{relativeTime(app.lastDeployAt)}</td>
                </tr>
              )}
            </CardsTable>
          </div>
        )}
      </ListState>
    </>
  );
}
