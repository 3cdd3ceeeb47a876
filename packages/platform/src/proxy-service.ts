import type { ServeConfig } from "@pier/config";
import type { Logger } from "@pier/core";
import type { Stores } from "@pier/db";
import type { ListenFds, ProxyPool } from "@pier/proxy";
import type { RequestActivity } from "./request-activity.ts";

/** How the proxy workers reach the console on this machine: /_pier/ forwarding and the console host. */
export function internalConsoleUrl(config: Pick<ServeConfig, "host" | "consolePort">): string {
  const host = config.host === "0.0.0.0" || config.host === "::" ? "127.0.0.1" : config.host;
  return `http://${host.includes(":") ? `[${host}]` : host}:${config.consolePort}`;
}

/** What the pool needs from the rest of pier beside its settings. */
export interface ProxyWiring {
  /** Made at each start (PierContext.edgeSecret): the workers add it to what they forward to the console. */
  edgeSecret?: string;
  /**
   * Wakes the sleeping environment of a route (the appRuntime capability's wakeRoute, looked up
   * when a request arrives); without it requests on sleeping routes get a 503.
   */
  wakeRoute?(routeId: string): Promise<boolean>;
  /** Listening sockets inherited from a predecessor (a hand-over): see ProxyPoolOptions. */
  inheritedListeners?: ListenFds;
  /** Accept nothing until `listen()` (a successor, until its routes are published). */
  deferListening?: boolean;
}

/** Starts the worker pool and turns its request records into per-minute metrics rows and activity. */
export async function startProxy(
  config: ServeConfig,
  stores: Stores,
  logger: Logger,
  activity?: RequestActivity,
  wiring: ProxyWiring = {},
): Promise<ProxyPool | undefined> {
  if (config.proxyWorkers === 0) {
    logger.info("proxy disabled (--proxy-workers 0)");
    return undefined;
  }
  // Loaded only with workers to run: the control plane alone never needs the pool's code.
  const { startProxyPool } = await import("@pier/proxy");
  const log = logger.child({ component: "proxy" });
  return startProxyPool({
    workers: config.proxyWorkers,
    httpPort: config.httpPort,
    httpsPort: config.httpsPort,
    hostname: config.host,
    internalUpstream: internalConsoleUrl(config),
    edgeSecret: wiring.edgeSecret,
    headTimeoutMs: config.headTimeoutMs,
    bodyTimeoutMs: config.bodyTimeoutMs,
    sendTimeoutMs: config.sendTimeoutMs,
    wakeTimeoutMs: config.wakeTimeoutMs,
    onWake: wiring.wakeRoute,
    inheritedListeners: wiring.inheritedListeners,
    deferListening: wiring.deferListening,
    ackTimeoutMs: 5000,
    log: (level, msg, fields) => log[level](msg, fields),
    onAggregates: (aggregates) => {
      // A batch arrives within a second of its requests: "now" is when the app was last asked for.
      const now = Date.now();
      for (const a of aggregates) if (a.appId) activity?.touchApp(a.appId, now);
      const rows = aggregates.map((a) => ({
        appKey: a.appId ?? "static",
        minute: new Date(a.minute),
        requests: a.count,
        status2xx: a.status2xx,
        status3xx: a.status3xx,
        status4xx: a.status4xx,
        status5xx: a.status5xx,
        p50Ms: Math.round(a.p50Ms),
        p95Ms: Math.round(a.p95Ms),
        p99Ms: Math.round(a.p99Ms),
        bytesIn: a.bytesIn,
        bytesOut: a.bytesOut,
      }));
      // Returned so that a graceful stop waits for the last rows before the database closes.
      return stores.requestMetrics
        .insert(rows)
        .catch((error) => log.warn("request metrics not stored", { error }));
    },
    onRouteActivity: (lastSeen) => {
      for (const [routeId, at] of lastSeen) activity?.touchRoute(routeId, at);
    },
  });
}
