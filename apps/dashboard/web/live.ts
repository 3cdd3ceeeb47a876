import type { PierRoute } from "@pier/contract";
import type { ClientEvent, RouteOf } from "@pier/http/contract";
import { useEffect, useRef } from "preact/hooks";
import { ApiError } from "./api.ts";
import { streamEvents } from "./sse.ts";

type DeployEvents = RouteOf<PierRoute, "GET /api/v1/deploy-events">;
/** A deployment's status changed. */
export type DeployChange = ClientEvent<DeployEvents, "deployment">;
/** Every app's requests, errors and uptime over 24 h, as GET /api/v1/apps-activity answers. */
export type AppsActivity = ClientEvent<DeployEvents, "activity">;

const deployListeners = new Set<(change: DeployChange) => void>();
const activityListeners = new Set<(activity: AppsActivity) => void>();
let connection: { abort: AbortController; activity: boolean } | null = null;
let retry: ReturnType<typeof setTimeout> | undefined;
const retryMs = 5_000;

/**
 * One stream for the whole dashboard, open while some page listens; it carries activity only
 * while a page wants it (the server then looks at it every 10 s). It reconnects after a drop (a
 * restart of pier, a sleeping laptop); pages keep a slow poll as well, so nothing waits on it.
 */
function connect(): void {
  const abort = new AbortController();
  const activity = activityListeners.size > 0;
  const mine = { abort, activity };
  connection = mine;
  const again = () => {
    if (connection !== mine || abort.signal.aborted) return;
    retry = setTimeout(() => connection === mine && connect(), retryMs);
  };
  streamEvents(
    `/deploy-events${activity ? "?activity=1" : ""}`,
    (event) => {
      // The data comes from our own API, typed by its contract; zod stays out of this bundle.
      if (event.event === "deployment") {
        const change = parse<DeployChange>(event.data);
        if (change) for (const listener of deployListeners) listener(change);
      } else if (event.event === "activity") {
        const summary = parse<AppsActivity>(event.data);
        if (summary) for (const listener of activityListeners) listener(summary);
      }
    },
    abort.signal,
  ).then(again, (error) => {
    // No credential or no deploy API: polling is all there is, do not hammer the server.
    if (error instanceof ApiError && [401, 403, 404].includes(error.status)) return;
    again();
  });
}

function parse<T>(data: string): T | null {
  try {
    return JSON.parse(data) as T;
  } catch {
    return null;
  }
}

function disconnect(): void {
  clearTimeout(retry);
  connection?.abort.abort();
  connection = null;
}

let reconciling = false;

/**
 * Opens, keeps, reopens (for a listener that wants activity the stream lacks) or closes the
 * stream once the listeners of a render have come and gone: a page that listens to both kinds,
 * or a navigation from one listening page to another, costs one request, not two.
 */
function reconcile(): void {
  if (reconciling) return;
  reconciling = true;
  queueMicrotask(() => {
    reconciling = false;
    if (deployListeners.size + activityListeners.size === 0) return disconnect();
    if (connection && (connection.activity || activityListeners.size === 0)) return;
    disconnect();
    connect();
  });
}

export function onDeployChange(listener: (change: DeployChange) => void): () => void {
  deployListeners.add(listener);
  reconcile();
  return () => {
    deployListeners.delete(listener);
    reconcile();
  };
}

export function onActivity(listener: (activity: AppsActivity) => void): () => void {
  activityListeners.add(listener);
  reconcile();
  return () => {
    activityListeners.delete(listener);
    reconcile();
  };
}

/** Calls `react` on every change `wanted` accepts, at most once per 250 ms (a deploy changes fast). */
export function useDeployChanges(wanted: (change: DeployChange) => boolean, react: () => void): void {
  const latest = useRef({ wanted, react });
  latest.current = { wanted, react };
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = onDeployChange((change) => {
      if (!latest.current.wanted(change) || timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        latest.current.react();
      }, 250);
    });
    return () => {
      clearTimeout(timer);
      stop();
    };
  }, []);
}

/** Calls `react` with every new activity summary the stream brings (when something changed). */
export function useActivity(react: (activity: AppsActivity) => void): void {
  const latest = useRef(react);
  latest.current = react;
  useEffect(() => onActivity((activity) => latest.current(activity)), []);
}

/**
 * Calls `react` when the requests or 5xx answers of `app` moved between two summaries of the
 * stream: pages with the app's own figures reload them then, not on a timer.
 */
export function useAppActivity(app: string, react: () => void): void {
  const latest = useRef(react);
  latest.current = react;
  useEffect(() => {
    let seen: string | undefined;
    return onActivity((activity) => {
      const mine = activity.apps.find((a) => a.name === app);
      const figures = mine ? `${mine.totalRequests}/${mine.errors5xx}` : "";
      if (seen !== undefined && figures !== seen) latest.current();
      seen = figures;
    });
  }, [app]);
}
