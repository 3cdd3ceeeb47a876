/// <reference lib="webworker" />

import type { Server as TlsServer } from "node:tls";
import type { TCPSocketListener } from "bun";
import { EDGE_SECRET_HEADER } from "../shared/edge/edge-secret.ts";
import type { RawBeacon } from "../shared/edge/raw-beacon.ts";
import { IDLE_CHECK_MS, IdleTrim, runTrimStep } from "../shared/idle-trim.ts";
import { RecordPacker } from "../shared/record-batch.ts";
import type { RouteSpec } from "../shared/route-spec.ts";
import {
  applyRouteDelta,
  buildRouteTable,
  type CompiledRoute,
  type ConsoleEdge,
  compileRoute,
  type RouteTable,
  routesById,
  type UpstreamTarget,
} from "../shared/route-table.ts";
import { readToWorker } from "../shared/to-worker-guard.ts";
import type { Certificate, FromWorker, ToWorker, WorkerConfig } from "../shared/worker-messages.ts";
import { openConnections } from "./deadline-sweep.ts";
import type { FrontConnection } from "./front-connection.ts";
import {
  httpListenerFd,
  httpsListenerFd,
  listenHttp,
  listenHttps,
  replaceHttpsCertificates,
} from "./front-listener.ts";
import { createFrontState, type FrontState } from "./front-state.ts";
import type { H2FrontConnection } from "./h2/h2-connection.ts";
import { GOING_AWAY } from "./websocket-frames.ts";

/**
 * Proxy worker entrypoint. Must stay a separate file: the compiled binary embeds it as an extra
 * entrypoint (see README). It listens with reusePort so every worker accepts on the same ports, or
 * on the sockets a previous pier handed over (`config.listenFds`).
 */

declare const self: Worker;

function send(msg: FromWorker, transfer?: Transferable[]): void {
  self.postMessage(msg, transfer ?? []);
}

let state: FrontState | null = null;
let config: WorkerConfig | null = null;
/** One per socket: a worker given several inherited sockets listens on each. */
let httpListeners: TCPSocketListener<FrontConnection>[] = [];
let httpsServers: TlsServer[] = [];
/** Set by `listen` (at init unless deferred); certificates that arrive before wait for it. */
let listening = false;
let latestCerts: Certificate[] = [];
let packer: RecordPacker | null = null;
let tableVersion = 0;
let byId = new Map<string, CompiledRoute>();
/** Upserts of the delta being streamed (`routes-part`), compiled as they arrive. */
let incoming: { version: number; routes: CompiledRoute[] } | null = null;
let beacons: RawBeacon[] = [];
/** Requests served so far: the idle trim watches it. */
let served = 0;

/**
 * Batches go to the main thread when full, or a flush interval after their first item: the timer
 * is armed by the first item, so an idle worker does not wake up to find nothing to send (a
 * Raspberry Pi's CPU sleeps, and no code is touched to stay resident).
 */
function flushLater(flush: () => void, delayMs: () => number): () => void {
  let armed = false;
  return () => {
    if (armed) return;
    armed = true;
    setTimeout(() => {
      armed = false;
      flush();
    }, delayMs());
  };
}

function flushBeacons(): void {
  if (beacons.length === 0) return;
  send({ type: "beacons", beacons });
  beacons = [];
}

const flushBeaconsLater = flushLater(flushBeacons, () => config!.beaconFlushMs);

function collectBeacon(beacon: RawBeacon): void {
  beacons.push(beacon);
  if (beacons.length >= config!.beaconBatchSize) flushBeacons();
  else flushBeaconsLater();
}

function flushRecords(): void {
  if (packer === null || packer.count === 0) return;
  const { count, numbers, strings } = packer.take();
  send({ type: "records", version: tableVersion, count, numbers, strings }, [numbers.buffer]);
}

const flushRecordsLater = flushLater(flushRecords, () => config!.recordFlushMs);

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
  served++;
  if (packer!.add(host, routeId, appId, status, startedMs, durationMs, bytesIn, bytesOut, upstream)) {
    flushRecords();
  } else flushRecordsLater();
};

/** Set at init when the pool has a console and an edge secret: routes to the console carry the secret. */
let consoleEdge: ConsoleEdge | null = null;

function compileJson(json: string, into: CompiledRoute[]): CompiledRoute[] {
  for (const spec of JSON.parse(json) as RouteSpec[]) into.push(compileRoute(spec, consoleEdge));
  return into;
}

/** The main thread validated these specs and built the same table once already (conflicts throw there). */
function indexRoutes(json: string, version: number): RouteTable {
  const table = buildRouteTable(JSON.parse(json) as RouteSpec[], version, consoleEdge);
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
  latestCerts = certs;
  if (!listening || cfg.httpsPort === null || certs.length === 0 || state!.draining) return;
  if (httpsServers.length > 0) {
    // In place: closing a listener would reset the connections queued on its socket.
    for (const server of httpsServers) replaceHttpsCertificates(server, certs);
    return;
  }
  const fds = cfg.listenFds.https;
  httpsServers =
    fds.length === 0
      ? [await listenHttps(state!, cfg.hostname, cfg.httpsPort, certs)]
      : await Promise.all(fds.map((fd) => listenHttps(state!, cfg.hostname, cfg.httpsPort!, certs, fd)));
  reportListening();
}

/** Opens the listeners: on the inherited sockets when there are any, else bound with reusePort. */
async function listen(): Promise<void> {
  const cfg = config!;
  const s = state!;
  if (listening || s.draining) return;
  listening = true;
  httpListeners =
    cfg.listenFds.http.length === 0
      ? [listenHttp(s, cfg.hostname, cfg.httpPort)]
      : cfg.listenFds.http.map((fd) => listenHttp(s, cfg.hostname, cfg.httpPort, fd));
  reportListening();
  await startHttps(latestCerts);
}

/** Tells the pool which sockets this worker listens on: a hand-over passes them to the next pier. */
function reportListening(): void {
  send({
    type: "listening",
    http: httpListeners.map(httpListenerFd).filter((fd): fd is number => fd !== undefined),
    https: httpsServers.map(httpsListenerFd).filter((fd): fd is number => fd !== undefined),
  });
}

async function onMessage(msg: ToWorker): Promise<void> {
  switch (msg.type) {
    case "init": {
      config = msg.config;
      packer = new RecordPacker(config.recordBatchSize);
      const internal = internalTarget(config.internalUpstream);
      const edgeLine = config.edgeSecret === null ? "" : `${EDGE_SECRET_HEADER}: ${config.edgeSecret}\r\n`;
      consoleEdge = internal === null || edgeLine === "" ? null : { origin: internal.origin, line: edgeLine };
      tableVersion = msg.version;
      state = createFrontState({
        table: indexRoutes(msg.routes, msg.version),
        acme: new Map(Object.entries(msg.acme)),
        internal,
        edgeLine,
        httpsPort: config.httpsPort,
        httpPort: config.httpPort,
        headTimeoutMs: config.headTimeoutMs,
        bodyTimeoutMs: config.bodyTimeoutMs,
        sendTimeoutMs: config.sendTimeoutMs,
        requestIdPrefix: `${crypto.randomUUID().slice(0, 8)}-${config.workerIndex}-`,
        record,
        beacon: msg.beacons ? collectBeacon : null,
        askWake: config.wakes ? (routeId) => send({ type: "wake", routeId }) : undefined,
        wakeTimeoutMs: config.wakeTimeoutMs,
      });
      latestCerts = msg.certs;
      if (!config.deferListening) await listen();
      startIdleTrim();
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
      send({ type: "answer", version: msg.version, count });
      return;
    }
    case "listen":
      await listen();
      send({ type: "answer", version: msg.version, count: httpListeners.length + httpsServers.length });
      return;
    case "drain":
      if (msg.phase === "exchanges") await drainExchanges(msg.timeoutMs);
      send({
        type: "answer",
        version: msg.version,
        count: msg.phase === "tunnels" ? await closeAndCut(msg.timeoutMs) : 0,
      });
      return;
    case "close-tunnels":
      send({ type: "answer", version: msg.version, count: await closeTunnels(msg.origins, msg.code) });
      return;
    case "woken":
      state?.wakes.answered(msg.routeId, msg.woken);
      return;
    case "crash":
      // Test hook: an uncaught error kills the worker exactly like a real crash would.
      setTimeout(() => {
        throw new Error("proxy worker crash requested");
      });
      return;
  }
}

/** Gives memory back once this worker stops serving (shared/idle-trim.ts). */
function startIdleTrim(): void {
  const trim = new IdleTrim();
  setInterval(() => runTrimStep(trim.check(served)), IDLE_CHECK_MS).unref();
}

/** The worker's open client connections (the deadline sweep's set holds every one). */
const connections = () => openConnections() as ReadonlySet<FrontConnection | H2FrontConnection>;

/** Waits until `done()` or `ms` passed, looking every 20 ms. */
async function until(done: () => boolean, ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  while (!done() && performance.now() < deadline) await Bun.sleep(20);
}

/**
 * The drain's first phase: stops accepting (the listeners close: new connections are refused once
 * every worker's is closed, unless another pier took the sockets over) and lets every open
 * connection finish its exchange in progress, for up to `timeoutMs`.
 */
async function drainExchanges(timeoutMs: number): Promise<void> {
  const s = state;
  if (s === null) return;
  s.draining = true;
  // Closes this process's fds only: after a hand-over the sockets live on in the next pier, which
  // accepts what is queued on them.
  for (const listener of httpListeners) listener.stop(false);
  httpListeners = [];
  for (const server of httpsServers) server.close();
  httpsServers = [];
  for (const conn of [...connections()]) conn.stopAfterExchange();
  // WebSockets (and other tunnels) end last (the second phase): they stay open while the other
  // exchanges finish, so during a hand-over they keep working until the old process is about to go.
  await until(() => [...connections()].every((conn) => conn.inTunnel), timeoutMs);
}

/**
 * The drain's second phase: tunnels closed with 1001, whatever is left after `timeoutMs` cut, and
 * what this worker still holds (accepted beacons, request records) posted. Returns how many
 * connections were cut.
 */
async function closeAndCut(timeoutMs: number): Promise<number> {
  if (state === null) return 0;
  for (const conn of [...connections()]) conn.closeTunnel(GOING_AWAY);
  await until(() => connections().size === 0, timeoutMs);
  // Idle keep-alive connections still in their grace end quietly; the others are cut.
  let cut = 0;
  for (const conn of [...connections()]) {
    if (conn.endIfIdle()) continue;

    conn.cut();
    cut++;
  }
  flushBeacons();
  flushRecords();
  return cut;
}

/** Closes this worker's WebSocket tunnels to `origins` with `code`; resolves once they are gone (bounded). */
async function closeTunnels(origins: string[], code: number): Promise<number> {
  const tunnels = [...connections()].filter((conn) => conn.tunnelsTo(origins));
  for (const conn of tunnels) conn.closeTunnel(code);
  // Each tunnel cuts itself when its close handshake has not ended in time.
  await until(() => tunnels.every((conn) => !connections().has(conn)), 5_000);
  return tunnels.length;
}

self.onmessage = (event: MessageEvent) => {
  const read = readToWorker(event.data);
  if (!read.ok) {
    send({ type: "failed", version: tableVersion, message: `bad message: ${read.reason}` });
    return;
  }
  onMessage(read.message).catch((err: Error) => {
    send({ type: "failed", version: tableVersion, message: err.message });
  });
};
