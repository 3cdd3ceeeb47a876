import { dropExecutablePages } from "@pier/core";
import type { RawBeacon } from "../shared/edge/raw-beacon.ts";
import { IDLE_CHECK_MS, IdleTrim, runTrimStep } from "../shared/idle-trim.ts";
import { unpackRecords } from "../shared/record-batch.ts";
import type { RequestRecord } from "../shared/request-record.ts";
import type { RouteSpec } from "../shared/route-spec.ts";
import { type RouteConflict, resolveRouteConflicts } from "../shared/route-table.ts";
import {
  type Certificate,
  DEFAULT_BODY_TIMEOUT_MS,
  DEFAULT_HEAD_TIMEOUT_MS,
  DEFAULT_SEND_TIMEOUT_MS,
  DEFAULT_WAKE_TIMEOUT_MS,
  type FromWorker,
  fromWorkerSchema,
  type ToWorker,
  type WorkerConfig,
} from "../shared/worker-messages.ts";
import { ProxyStartError, RouteAckTimeoutError } from "./pool-errors.ts";
import { aggregatePackedRecords, type RequestMinuteAggregate, routeLastSeen } from "./record-aggregation.ts";
import { RouteDiffer } from "./route-diff.ts";
import { WakeRequests } from "./wake-requests.ts";
import { WorkerQuestions } from "./worker-questions.ts";

export { ProxyStartError, RouteAckTimeoutError };

export type LogLevel = "debug" | "info" | "warn" | "error";
export type ProxyLog = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void;

export interface ProxyPoolOptions {
  workers: number;
  httpPort: number;
  httpsPort?: number;
  hostname?: string;
  /** Where /_pier/ paths of routed hosts go, e.g. "http://127.0.0.1:7070". */
  internalUpstream?: string;
  /**
   * Sent as X-Pier-Edge with everything forwarded to `internalUpstream` (/_pier/ paths, routes to
   * the console): the console believes X-Pier-App, X-Pier-Host and X-Forwarded-For only with it.
   */
  edgeSecret?: string;
  ackTimeoutMs?: number;
  /** Every request record, one object each (tests, consumers that need single requests). */
  onRecords?: (records: RequestRecord[]) => void;
  /**
   * Per-minute, per-app aggregates of each batch, computed from the packed numbers (cheaper). A
   * returned promise (storing them) is waited for by `drain`.
   */
  onAggregates?: (aggregates: RequestMinuteAggregate[]) => void | Promise<void>;
  /** When each route of a batch last served a request (route id -> epoch ms): sleeping environments go by it. */
  onRouteActivity?: (lastSeen: Map<string, number>) => void;
  /**
   * Wakes a sleeping route (RouteSpec `sleeping`): resolves once every worker routes to the woken
   * release (false when it was not asleep), rejects when it cannot. Without it, requests on a
   * sleeping route get a 503 at once.
   */
  onWake?: (routeId: string) => Promise<boolean>;
  /** How long a request on a sleeping route is held while it wakes before a 503 (default 30 s). */
  wakeTimeoutMs?: number;
  log?: ProxyLog;
  /** Most records a worker posts in one message (a batch starts at 256 and grows while busy). */
  recordBatchSize?: number;
  recordFlushMs?: number;
  beaconBatchSize?: number;
  beaconFlushMs?: number;
  /** How long a client has to send a whole request head before a 408 (default 10 s; slowloris). */
  headTimeoutMs?: number;
  /** How long a request body may go without a byte before a 408 (default 60 s). */
  bodyTimeoutMs?: number;
  /** How long a client may take no byte of an answer before it and its upstream socket are cut (default 60 s). */
  sendTimeoutMs?: number;
  /** Override of the worker module; see `proxyWorkerEntrypoint`. */
  workerEntrypoint?: string | URL;
  /**
   * Listening sockets (fds) a previous pier handed over, per port: the workers listen on these
   * instead of binding, spread over them (`assignListenFds`), so nothing queued on them is lost.
   * A worker left without one binds with reusePort; a respawned worker always binds.
   */
  inheritedListeners?: ListenFds;
  /**
   * Open no listener until `listen()`: a pier taking over from another accepts nothing before
   * its routes are published (the other one serves meanwhile).
   */
  deferListening?: boolean;
}

/** Listening sockets by port, as fds of this process. */
export interface ListenFds {
  http: number[];
  https: number[];
}

/**
 * Which inherited sockets worker `index` of `workers` listens on: round-robin, so every socket
 * has a worker accepting on it (a socket nobody accepts on would hold its connections forever)
 * and each worker has at most one more than another. Pure.
 */
export function assignListenFds(fds: readonly number[], index: number, workers: number): number[] {
  return fds.filter((_, i) => i % workers === index);
}

export interface ProxyPool {
  /**
   * Routes claiming a host and prefix another route has are left out and listed in `conflicts`
   * (resolveRouteConflicts says which one wins); the rest go live.
   */
  publishRoutes(routes: RouteSpec[]): Promise<{ version: number; ackMs: number; conflicts: RouteConflict[] }>;
  setCertificates(certs: Certificate[]): Promise<void>;
  setAcmeChallenges(map: Record<string, string>): Promise<void>;
  stats(): { workers: number; respawns: number; version: number };
  stop(): Promise<void>;
  /**
   * With a handler, workers answer `POST /_pier/event` on routed hosts themselves (202/400/413)
   * and post the accepted beacons here in batches (every `beaconFlushMs` or `beaconBatchSize`);
   * with null they forward beacons to `internalUpstream` again. Resolves when every worker switched.
   */
  setBeaconHandler(handler: ((beacons: RawBeacon[]) => void) | null): Promise<void>;
  /**
   * Exchanges in flight to these origins (`http://host:port`) across all workers, WebSocket
   * tunnels included: a deploy's drain waits for 0 before stopping an old replica. Rejects with
   * RouteAckTimeoutError when a worker does not answer in time.
   */
  inFlight(origins: string[]): Promise<number>;
  /**
   * Closes the WebSocket tunnels to these origins with a close frame (1001 Going Away) to the
   * client and one to the upstream, each between two frames; resolves with how many there were
   * once they are closed (a tunnel whose close handshake does not end within 2 s is cut). A deploy
   * calls it at the end of its drain, before the old replicas stop.
   */
  closeTunnels(origins: string[]): Promise<number>;
  /**
   * The first step of a graceful stop: every worker stops accepting (new connections are refused,
   * unless the sockets were handed to another pier, which accepts them), connections end after
   * their exchange in progress (idle ones after a 1 s grace, tunnels with a 1001 close
   * frame, requests held on sleeping routes with a 503), whatever is still open after `timeoutMs`
   * is cut, and the workers post the beacons and request records they hold; resolves after those
   * reached the handlers and the aggregates' promises settled. `cut` counts the connections cut.
   * The workers stay up (for `setBeaconHandler` and the like) until `stop`.
   */
  drain(timeoutMs: number): Promise<{ cut: number }>;
  /** Starts accepting after `deferListening`; resolves once every worker listens. */
  listen(): Promise<void>;
  /**
   * The listening sockets of the live workers (their fds in this process), for a hand-over to pass
   * to the next pier. Empty for a port no worker listens on yet (HTTPS before any certificate).
   */
  listenerFds(): ListenFds;
  /** Test hook: makes one worker throw an uncaught error. */
  crashWorker(index: number): void;
}

/** Path of the worker module relative to the repository root: the extra `bun build --compile` entrypoint. */
export const PROXY_WORKER_ENTRYPOINT = "packages/proxy/src/worker/entry.ts";

/**
 * From source the worker entry is in ../worker/. In a `bun build --compile` executable modules live
 * under /$bunfs/root/ (B:/~BUN/root/ on Windows) and `new Worker("./<path>")` resolves against that
 * root, which is the common directory of all entrypoints: the repository root.
 */
export function proxyWorkerEntrypoint(): string | URL {
  const here = import.meta.url;
  if (here.includes("/$bunfs/") || here.includes("~BUN")) return `./${PROXY_WORKER_ENTRYPOINT}`;
  return new URL("../worker/entry.ts", here);
}

type AckKind = "routes" | "certs" | "acme" | "beacons";

const noFds: ListenFds = { http: [], https: [] };

interface Slot {
  index: number;
  worker: Worker;
  acked: Record<AckKind, number>;
  listening: ListenFds;
}

export async function startProxyPool(opts: ProxyPoolOptions): Promise<ProxyPool> {
  const log: ProxyLog = opts.log ?? (() => {});
  const ackTimeoutMs = opts.ackTimeoutMs ?? 5_000;
  const entry = opts.workerEntrypoint ?? proxyWorkerEntrypoint();
  const wakeTimeoutMs = opts.wakeTimeoutMs ?? DEFAULT_WAKE_TIMEOUT_MS;
  const config = (index: number, listenFds: ListenFds): WorkerConfig => ({
    workerIndex: index,
    httpPort: opts.httpPort,
    httpsPort: opts.httpsPort ?? null,
    hostname: opts.hostname ?? "0.0.0.0",
    internalUpstream: opts.internalUpstream ?? null,
    edgeSecret: opts.edgeSecret ?? null,
    recordBatchSize: opts.recordBatchSize ?? 4_096,
    recordFlushMs: opts.recordFlushMs ?? 1_000,
    beaconBatchSize: opts.beaconBatchSize ?? 512,
    beaconFlushMs: opts.beaconFlushMs ?? 250,
    headTimeoutMs: opts.headTimeoutMs ?? DEFAULT_HEAD_TIMEOUT_MS,
    bodyTimeoutMs: opts.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS,
    sendTimeoutMs: opts.sendTimeoutMs ?? DEFAULT_SEND_TIMEOUT_MS,
    wakes: opts.onWake !== undefined,
    wakeTimeoutMs,
    listenFds,
    deferListening: !listening,
  });

  const differ = new RouteDiffer();
  let routesVersion = 0;
  /** Ids of the routes last published: in a conflict, the route already serving keeps its host. */
  let servedIds: ReadonlySet<string> = new Set();
  let certs: Certificate[] = [];
  let acme: Record<string, string> = {};
  const current: Record<AckKind, number> = { routes: 0, certs: 0, acme: 0, beacons: 0 };
  let onBeacons: ((beacons: RawBeacon[]) => void) | null = null;
  // Batches the workers accepted before a switch to null can arrive after it: they go to the last
  // handler, which took such beacons until then (analytics keeps them while its disk is full).
  let lastBeacons: ((beacons: RawBeacon[]) => void) | null = null;
  const slots: (Slot | null)[] = [];
  let respawns = 0;
  /** Record batches received: the main thread's idle trim watches it (see shared/idle-trim.ts). */
  let batches = 0;
  const idleTrim = new IdleTrim();
  // The main thread aggregated every batch: it gives that memory back too once traffic stops.
  // The pages of the executable the traffic touched are process-wide: the main thread hands them
  // back for every thread once traffic has stopped for good.
  const trimTimer = setInterval(() => {
    const step = idleTrim.check(batches);
    runTrimStep(step);
    if (step === "shrink") void dropExecutablePages();
  }, IDLE_CHECK_MS);
  trimTimer.unref();
  let stopping = false;
  const waiters = new Set<() => void>();
  let draining = false;
  const questions = new WorkerQuestions();
  let listening = opts.deferListening !== true;
  /** Storing of aggregates still running: `drain` waits for them. */
  const storing = new Set<Promise<void>>();
  const wakes =
    opts.onWake === undefined
      ? null
      : new WakeRequests(
          opts.onWake,
          wakeTimeoutMs,
          (worker, routeId, woken) =>
            slots[worker]?.worker.postMessage({
              type: "woken",
              version: 0,
              routeId,
              woken,
            } satisfies ToWorker),
          (routeId, error) =>
            log("warn", "sleeping route not woken; its requests get a 503", { routeId, error }),
        );
  const live = () =>
    slots
      .filter((slot): slot is Slot => slot !== null)
      .map((slot) => ({ index: slot.index, post: (msg: ToWorker) => slot.worker.postMessage(msg) }));

  const notify = () => {
    for (const w of waiters) w();
  };

  function spawn(index: number, onReady?: (err: Error | null) => void, listenFds = noFds): void {
    const worker = new Worker(entry);
    const slot: Slot = {
      index,
      worker,
      acked: { routes: -1, certs: -1, acme: -1, beacons: -1 },
      listening: noFds,
    };
    slots[index] = slot;
    let dead = false;
    const die = (why: string) => {
      if (dead) return;
      dead = true;
      if (slots[index] === slot) slots[index] = null;
      worker.terminate();
      if (onReady) {
        onReady(new ProxyStartError(why));
        onReady = undefined;
        return;
      }
      if (stopping || draining) return;
      respawns++;
      log("error", "proxy worker died; respawning with the current route table", {
        worker: index,
        why,
        respawns,
      });
      spawn(index);
    };
    worker.addEventListener("message", (event: MessageEvent) => {
      const parsed = fromWorkerSchema.safeParse(event.data);
      if (!parsed.success) {
        log("warn", "ignored malformed message from proxy worker", { worker: index });
        return;
      }
      const msg: FromWorker = parsed.data;
      switch (msg.type) {
        case "ready":
          slot.acked = { ...init.acked };
          onReady?.(null);
          onReady = undefined;
          notify();
          return;
        case "ack":
          if (msg.version > slot.acked[msg.kind]) slot.acked[msg.kind] = msg.version;
          notify();
          return;
        case "records": {
          batches++;
          const stored = opts.onAggregates?.(aggregatePackedRecords(msg));
          if (stored) {
            storing.add(stored);
            stored.catch(() => {}).finally(() => storing.delete(stored));
          }
          if (opts.onRouteActivity) opts.onRouteActivity(routeLastSeen(msg));
          if (opts.onRecords) opts.onRecords(unpackRecords(msg));
          return;
        }
        case "beacons":
          (onBeacons ?? lastBeacons)?.(msg.beacons);
          return;
        case "answer":
          questions.answer(index, msg.version, msg.count);
          return;
        case "wake":
          wakes?.ask(index, msg.routeId);
          return;
        case "listening":
          slot.listening = { http: msg.http, https: msg.https };
          return;
        case "failed":
          log("error", "proxy worker reported a failure", { worker: index, message: msg.message });
          if (onReady) die(msg.message);
          return;
      }
    });
    worker.addEventListener("error", (event: ErrorEvent) => die(event.message || "uncaught error"));
    worker.addEventListener("close", () => die("worker exited"));
    const init = {
      acked: { routes: routesVersion, certs: current.certs, acme: current.acme, beacons: current.beacons },
      msg: {
        type: "init",
        version: routesVersion,
        config: config(index, listenFds),
        routes: differ.allJson(),
        certsVersion: current.certs,
        certs,
        acmeVersion: current.acme,
        acme,
        beacons: onBeacons !== null,
      } satisfies ToWorker,
    };
    worker.postMessage(init.msg);
  }

  function broadcast(msg: ToWorker): void {
    for (const slot of slots) slot?.worker.postMessage(msg);
  }

  function waitForAcks(kind: AckKind, version: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const check = () => {
        let missing = 0;
        for (const slot of slots) if (slot === null || slot.acked[kind] < version) missing++;
        if (missing === 0) {
          cleanup();
          resolve();
        }
        return missing;
      };
      const timer = setTimeout(() => {
        const missing = check();
        cleanup();
        if (missing !== 0) reject(new RouteAckTimeoutError(kind, version, missing, ackTimeoutMs));
      }, ackTimeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  }

  const inherited = opts.inheritedListeners ?? noFds;
  await Promise.all(
    Array.from(
      { length: opts.workers },
      (_, i) =>
        new Promise<void>((resolve, reject) => {
          spawn(i, (err) => (err ? reject(err) : resolve()), {
            http: assignListenFds(inherited.http, i, opts.workers),
            https: assignListenFds(inherited.https, i, opts.workers),
          });
        }),
    ),
  ).catch((err) => {
    stopping = true;
    for (const slot of slots) slot?.worker.terminate();
    throw err;
  });
  log("info", "proxy started", { workers: opts.workers, httpPort: opts.httpPort, httpsPort: opts.httpsPort });

  return {
    async publishRoutes(all) {
      const started = performance.now();
      const { routes, conflicts } = resolveRouteConflicts(all, servedIds);
      servedIds = new Set(routes.map((route) => route.id));
      const version = ++routesVersion;
      current.routes = version;
      // Synchronous from here to the last broadcast: a worker respawned meanwhile cannot miss a part.
      const delta = differ.next(routes, (upserts) => broadcast({ type: "routes-part", version, upserts }));
      broadcast({
        type: "routes",
        version,
        base: version - 1,
        upserts: delta.restJson,
        removes: delta.removes,
      });
      await waitForAcks("routes", version);
      return { version, ackMs: performance.now() - started, conflicts };
    },
    async setCertificates(next) {
      certs = next.map((c) => ({ serverName: c.serverName, cert: c.cert, key: c.key }));
      const version = ++current.certs;
      broadcast({ type: "certs", version, certs });
      await waitForAcks("certs", version);
    },
    async setAcmeChallenges(map) {
      acme = { ...map };
      const version = ++current.acme;
      broadcast({ type: "acme", version, acme });
      await waitForAcks("acme", version);
    },
    async setBeaconHandler(handler) {
      if (onBeacons !== null) lastBeacons = onBeacons;
      onBeacons = handler;
      const version = ++current.beacons;
      broadcast({ type: "beacons", version, enabled: handler !== null });
      await waitForAcks("beacons", version);
    },
    stats() {
      return { workers: slots.filter((s) => s !== null).length, respawns, version: routesVersion };
    },
    inFlight(origins) {
      return questions.ask({ type: "in-flight", origins }, live(), ackTimeoutMs);
    },
    closeTunnels(origins) {
      // The workers give each tunnel up to 2 s to end its close handshake, then cut it.
      return questions.ask({ type: "close-tunnels", origins, code: 1001 }, live(), ackTimeoutMs + 5_000);
    },
    async drain(timeoutMs) {
      draining = true;
      let cut = 0;
      const deadline = performance.now() + timeoutMs;
      const left = () => Math.max(0, Math.round(deadline - performance.now()));
      try {
        // WebSockets stay open until no worker has anything else in flight (a hand-over keeps them
        // working as long as it can), then all are closed with 1001 together.
        await questions.ask(
          { type: "drain", timeoutMs, phase: "exchanges" },
          live(),
          timeoutMs + ackTimeoutMs,
        );
        cut = await questions.ask(
          { type: "drain", timeoutMs: left(), phase: "tunnels" },
          live(),
          left() + ackTimeoutMs,
        );
      } catch (error) {
        log("warn", "a proxy worker did not finish draining in time", { error });
      }
      await Promise.all(storing);
      log("info", "proxy drained", { cut });
      return { cut };
    },
    async listen() {
      if (listening) return;
      listening = true;
      await questions.ask({ type: "listen" }, live(), ackTimeoutMs);
    },
    listenerFds() {
      const live = slots.filter((slot): slot is Slot => slot !== null);
      return {
        http: live.flatMap((slot) => slot.listening.http),
        https: live.flatMap((slot) => slot.listening.https),
      };
    },
    crashWorker(index) {
      slots[index]?.worker.postMessage({ type: "crash", version: routesVersion } satisfies ToWorker);
    },
    async stop() {
      stopping = true;
      clearInterval(trimTimer);
      const closing = slots.map(
        (slot) =>
          new Promise<void>((resolve) => {
            if (slot === null) return resolve();
            slot.worker.addEventListener("close", () => resolve());
            slot.worker.terminate();
          }),
      );
      await Promise.race([Promise.all(closing), Bun.sleep(2_000)]);
      log("info", "proxy stopped");
    },
  };
}
