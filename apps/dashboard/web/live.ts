import { useEffect, useRef } from "preact/hooks";
import { ApiError } from "./api.ts";
import { streamEvents } from "./sse.ts";

/** A deployment's status changed (GET /api/v1/deploy-events). */
export interface DeployChange {
  id: string;
  app: string;
  environment: string;
  status: string;
}

const listeners = new Set<(change: DeployChange) => void>();
let connection: AbortController | null = null;
let retry: ReturnType<typeof setTimeout> | undefined;
const retryMs = 5_000;

/**
 * One stream for the whole dashboard, open while some page listens. It reconnects after a drop
 * (a restart of pier, a sleeping laptop); pages keep a slow poll as well, so nothing waits on it.
 */
function connect(): void {
  const abort = new AbortController();
  connection = abort;
  const again = () => {
    if (connection !== abort || abort.signal.aborted) return;
    retry = setTimeout(() => connection === abort && connect(), retryMs);
  };
  streamEvents(
    "/deploy-events",
    (event) => {
      if (event.event !== "deployment") return;
      let change: DeployChange;
      try {
        change = JSON.parse(event.data) as DeployChange;
      } catch {
        return;
      }
      for (const listener of listeners) listener(change);
    },
    abort.signal,
  ).then(again, (error) => {
    // No credential or no deploy API: polling is all there is, do not hammer the server.
    if (error instanceof ApiError && [401, 403, 404].includes(error.status)) return;
    again();
  });
}

export function onDeployChange(listener: (change: DeployChange) => void): () => void {
  listeners.add(listener);
  if (!connection) connect();
  return () => {
    listeners.delete(listener);
    if (listeners.size > 0) return;
    clearTimeout(retry);
    connection?.abort();
    connection = null;
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
