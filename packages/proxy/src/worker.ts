/// <reference lib="webworker" />
import type { Server } from "bun";
import {
  type Certificate,
  type FromWorker,
  type ToWorker,
  toWorkerSchema,
  type WorkerConfig,
} from "./messages.ts";
import { createProxyHandler, type ProxyState } from "./proxyHandler.ts";
import type { RequestRecord } from "./records.ts";
import type { RouteSpec } from "./routeSpec.ts";
import { buildRouteTable, type RouteTable, type UpstreamTarget } from "./routeTable.ts";
import { type WebSocketData, websocketProxy } from "./websocketProxy.ts";

/**
 * Proxy worker entrypoint. Must stay a separate file: the compiled binary embeds it as an extra
 * entrypoint (see README). It listens with reusePort so every worker accepts on the same ports.
 */

declare const self: Worker;

function send(msg: FromWorker): void {
  self.postMessage(msg);
}

let state: ProxyState | null = null;
let config: WorkerConfig | null = null;
let httpsServer: Server<WebSocketData> | null = null;
let batch: RequestRecord[] = [];
let tableVersion = 0;

function flushRecords(): void {
  if (batch.length === 0) return;
  const records = batch;
  batch = [];
  send({ type: "records", version: tableVersion, records });
}

function record(r: RequestRecord): void {
  batch.push(r);
  if (batch.length >= config!.recordBatchSize) flushRecords();
}

/** The main thread validated these specs and built the same table once already (conflicts throw there). */
function indexRoutes(json: string, version: number): RouteTable {
  return buildRouteTable(JSON.parse(json) as RouteSpec[], version);
}

function internalTarget(url: string | null): UpstreamTarget | null {
  if (url === null) return null;
  const u = new URL(url);
  return {
    origin: `http://${u.host}`,
    hostname: u.hostname.replace(/^\[|\]$/g, ""),
    port: Number(u.port || 80),
  };
}

const serveDefaults = {
  reusePort: true,
  // Per-route limits are enforced by the handler; Bun's global default (128 MB) would cut uploads.
  maxRequestBodySize: Number.MAX_SAFE_INTEGER,
  idleTimeout: 120,
  websocket: websocketProxy,
};

function startHttps(certs: Certificate[]): void {
  const cfg = config!;
  if (cfg.httpsPort === null || certs.length === 0) return;
  const previous = httpsServer;
  // A fresh listener with the new certificates binds beside the old one (reusePort), then the old
  // one stops accepting and lets its in-flight requests finish: no restart, no refused connection.
  httpsServer = Bun.serve<WebSocketData>({
    ...serveDefaults,
    port: cfg.httpsPort,
    hostname: cfg.hostname,
    tls: certs.map((c) => ({ serverName: c.serverName, cert: c.cert, key: c.key })),
    fetch: createProxyHandler(state!, true),
  });
  previous?.stop(false);
}

function onMessage(msg: ToWorker): void {
  switch (msg.type) {
    case "init": {
      config = msg.config;
      tableVersion = msg.version;
      state = {
        table: indexRoutes(msg.routes, msg.version),
        acme: new Map(Object.entries(msg.acme)),
        internal: internalTarget(config.internalUpstream),
        httpsPort: config.httpsPort,
        httpPort: config.httpPort,
        requestIdPrefix: `${crypto.randomUUID().slice(0, 8)}-${config.workerIndex}-`,
        record,
      };
      Bun.serve<WebSocketData>({
        ...serveDefaults,
        port: config.httpPort,
        hostname: config.hostname,
        fetch: createProxyHandler(state, false),
      });
      startHttps(msg.certs);
      setInterval(flushRecords, config.recordFlushMs);
      send({ type: "ready", version: msg.version });
      return;
    }
    case "routes":
      state!.table = indexRoutes(msg.routes, msg.version);
      tableVersion = msg.version;
      send({ type: "ack", kind: "routes", version: msg.version });
      return;
    case "certs":
      startHttps(msg.certs);
      send({ type: "ack", kind: "certs", version: msg.version });
      return;
    case "acme":
      state!.acme = new Map(Object.entries(msg.acme));
      send({ type: "ack", kind: "acme", version: msg.version });
      return;
    case "crash":
      // Test hook: an uncaught error kills the worker exactly like a real crash would.
      setTimeout(() => {
        throw new Error("proxy worker crash requested");
      });
      return;
  }
}

self.onmessage = (event: MessageEvent) => {
  const parsed = toWorkerSchema.safeParse(event.data);
  if (!parsed.success) {
    send({ type: "failed", version: tableVersion, message: `bad message: ${parsed.error.message}` });
    return;
  }
  try {
    onMessage(parsed.data);
  } catch (err) {
    send({ type: "failed", version: tableVersion, message: (err as Error).message });
  }
};
