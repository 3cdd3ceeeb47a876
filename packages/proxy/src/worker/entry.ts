/// <reference lib="webworker" />

import type { Server as TlsServer } from "node:tls";
import type { RawBeacon } from "../shared/edge/raw-beacon.ts";
import { RecordPacker } from "../shared/record-batch.ts";
import type { RouteSpec } from "../shared/route-spec.ts";
import {
  applyRouteDelta,
  buildRouteTable,
  type CompiledRoute,
  compileRoute,
  type RouteTable,
  routesById,
  type UpstreamTarget,
} from "../shared/route-table.ts";
import {
  type Certificate,
  type FromWorker,
  type ToWorker,
  toWorkerSchema,
  type WorkerConfig,
} from "../shared/worker-messages.ts";
import { listenHttp, listenHttps } from "./front-listener.ts";
import { createFrontState, type FrontState } from "./front-state.ts";

/**
 * Proxy worker entrypoint. Must stay a separate file: the compiled binary embeds it as an extra
 * entrypoint (see README). It listens with reusePort so every worker accepts on the same ports.
 */

declare const self: Worker;

function send(msg: FromWorker, transfer?: Transferable[]): void {
  self.postMessage(msg, transfer ?? []);
}

let state: FrontState | null = null;
let config: WorkerConfig | null = null;
let httpsServer: TlsServer | null = null;
let packer: RecordPacker | null = null;
let tableVersion = 0;
let byId = new Map<string, CompiledRoute>();
/** Upserts of the delta being streamed (`routes-part`), compiled as they arrive. */
let incoming: { version: number; routes: CompiledRoute[] } | null = null;
let beacons: RawBeacon[] = [];

function flushBeacons(): void {
  if (beacons.length === 0) return;
  send({ type: "beacons", beacons });
  beacons = [];
}

function collectBeacon(beacon: RawBeacon): void {
  beacons.push(beacon);
  if (beacons.length >= config!.beaconBatchSize) flushBeacons();
}

function flushRecords(): void {
  if (packer === null || packer.count === 0) return;
  const { count, numbers, strings } = packer.take();
  send({ type: "records", version: tableVersion, count, numbers, strings }, [numbers.buffer]);
}

const record: FrontState["record"] = (
  host,
  routeId,
  appId,
  status,
  startedMs,
  durationMs,
  bytesIn,
  bytesOut,
  upstream,
) => {
  if (packer!.add(host, routeId, appId, status, startedMs, durationMs, bytesIn, bytesOut, upstream)) {
    flushRecords();
  }
};

function compileJson(json: string, into: CompiledRoute[]): CompiledRoute[] {
  for (const spec of JSON.parse(json) as RouteSpec[]) into.push(compileRoute(spec));
  return into;
}

/** The main thread validated these specs and built the same table once already (conflicts throw there). */
function indexRoutes(json: string, version: number): RouteTable {
  const table = buildRouteTable(JSON.parse(json) as RouteSpec[], version);
  byId = routesById(table);
  return table;
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

async function startHttps(certs: Certificate[]): Promise<void> {
  const cfg = config!;
  if (cfg.httpsPort === null || certs.length === 0) return;
  const previous = httpsServer;
  // A fresh listener with the new certificates binds beside the old one (reusePort), then the old
  // one stops accepting while its open connections carry on: no restart, no refused connection.
  httpsServer = await listenHttps(state!, cfg.hostname, cfg.httpsPort, certs);
  previous?.close();
}

async function onMessage(msg: ToWorker): Promise<void> {
  switch (msg.type) {
    case "init": {
      config = msg.config;
      packer = new RecordPacker(config.recordBatchSize);
      tableVersion = msg.version;
      state = createFrontState({
        table: indexRoutes(msg.routes, msg.version),
        acme: new Map(Object.entries(msg.acme)),
        internal: internalTarget(config.internalUpstream),
        httpsPort: config.httpsPort,
        httpPort: config.httpPort,
        requestIdPrefix: `${crypto.randomUUID().slice(0, 8)}-${config.workerIndex}-`,
        record,
        beacon: msg.beacons ? collectBeacon : null,
      });
      listenHttp(state, config.hostname, config.httpPort);
      await startHttps(msg.certs);
      setInterval(flushRecords, config.recordFlushMs);
      setInterval(flushBeacons, config.beaconFlushMs);
      send({ type: "ready", version: msg.version });
      return;
    }
    case "routes":
      if (msg.base !== tableVersion) {
        // A lost or reordered delta would leave this worker on a table nobody published: crash so
        // the pool respawns it from the whole current table.
        setTimeout(() => {
          throw new Error(`route delta for version ${msg.base} applied to version ${tableVersion}`);
        });
        return;
      }
      {
        const ahead = incoming?.version === msg.version ? incoming.routes : [];
        incoming = null;
        const upserts = compileJson(msg.upserts, ahead);
        state!.table = applyRouteDelta(state!.table, byId, upserts, msg.removes, msg.version);
      }
      tableVersion = msg.version;
      send({ type: "ack", kind: "routes", version: msg.version });
      return;
    case "routes-part":
      if (incoming?.version !== msg.version) incoming = { version: msg.version, routes: [] };
      compileJson(msg.upserts, incoming.routes);
      return;
    case "certs":
      await startHttps(msg.certs);
      send({ type: "ack", kind: "certs", version: msg.version });
      return;
    case "acme":
      state!.acme = new Map(Object.entries(msg.acme));
      send({ type: "ack", kind: "acme", version: msg.version });
      return;
    case "beacons":
      state!.beacon = msg.enabled ? collectBeacon : null;
      if (!msg.enabled) flushBeacons();
      send({ type: "ack", kind: "beacons", version: msg.version });
      return;
    case "in-flight": {
      let count = 0;
      for (const origin of msg.origins) count += state?.pools.get(origin)?.busy ?? 0;
      send({ type: "in-flight", version: msg.version, count });
      return;
    }
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
  onMessage(parsed.data).catch((err: Error) => {
    send({ type: "failed", version: tableVersion, message: err.message });
  });
};
