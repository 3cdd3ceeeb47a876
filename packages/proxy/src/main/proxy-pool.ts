import type { RawBeacon } from "../shared/edge/raw-beacon.ts";
import { unpackRecords } from "../shared/record-batch.ts";
import type { RequestRecord } from "../shared/request-record.ts";
import type { RouteSpec } from "../shared/route-spec.ts";
import { checkRouteConflicts } from "../shared/route-table.ts";
import {
  type Certificate,
  type FromWorker,
  fromWorkerSchema,
  type ToWorker,
  type WorkerConfig,
} from "../shared/worker-messages.ts";
import { aggregatePackedRecords, type RequestMinuteAggregate } from "./record-aggregation.ts";
import { RouteDiffer } from "./route-diff.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type ProxyLog = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void;

export interface ProxyPoolOptions {
  workers: number;
  httpPort: number;
  httpsPort?: number;
  hostname?: string;
  /** Where /_pier/ paths of routed hosts go, e.g. "http://127.0.0.1:7070". */
  internalUpstream?: string;
  ackTimeoutMs?: number;
  /** Every request record, one object each (tests, consumers that need single requests). */
  onRecords?: (records: RequestRecord[]) => void;
  /** Per-minute, per-app aggregates of each batch, computed from the packed numbers (cheaper). */
  onAggregates?: (aggregates: RequestMinuteAggregate[]) => void;
  log?: ProxyLog;
  /** Most records a worker posts in one message (a batch starts at 256 and grows while busy). */
  recordBatchSize?: number;
  recordFlushMs?: number;
  beaconBatchSize?: number;
  beaconFlushMs?: number;
  /** Override of the worker module; see `proxyWorkerEntrypoint`. */
  workerEntrypoint?: string | URL;
}

export interface ProxyPool {
  publishRoutes(routes: RouteSpec[]): Promise<{ version: number; ackMs: number }>;
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
  /** Test hook: makes one worker throw an uncaught error. */
  crashWorker(index: number): void;
}

export class RouteAckTimeoutError extends Error {
  readonly code = "ROUTE_ACK_TIMEOUT";
  constructor(kind: string, version: number, missing: number, timeoutMs: number) {
    super(
      `${missing} proxy worker(s) did not acknowledge ${kind} version ${version} within ${timeoutMs} ms; ` +
        "the worker may be stuck or overloaded: check the proxy log, it is respawned if it died",
    );
    this.name = "RouteAckTimeoutError";
  }
}

export class ProxyStartError extends Error {
  readonly code = "PROXY_START";
  constructor(detail: string) {
    super(`proxy workers could not start: ${detail}; is another process listening on the HTTP/HTTPS port?`);
    this.name = "ProxyStartError";
  }
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

interface Slot {
  index: number;
  worker: Worker;
  acked: Record<AckKind, number>;
}

export async function startProxyPool(opts: ProxyPoolOptions): Promise<ProxyPool> {
  const log: ProxyLog = opts.log ?? (() => {});
  const ackTimeoutMs = opts.ackTimeoutMs ?? 5_000;
  const entry = opts.workerEntrypoint ?? proxyWorkerEntrypoint();
  const config = (index: number): WorkerConfig => ({
    workerIndex: index,
    httpPort: opts.httpPort,
    httpsPort: opts.httpsPort ?? null,
    hostname: opts.hostname ?? "0.0.0.0",
    internalUpstream: opts.internalUpstream ?? null,
    recordBatchSize: opts.recordBatchSize ?? 4_096,
    recordFlushMs: opts.recordFlushMs ?? 1_000,
    beaconBatchSize: opts.beaconBatchSize ?? 512,
    beaconFlushMs: opts.beaconFlushMs ?? 250,
  });

  const differ = new RouteDiffer();
  let routesVersion = 0;
  let certs: Certificate[] = [];
  let acme: Record<string, string> = {};
  const current: Record<AckKind, number> = { routes: 0, certs: 0, acme: 0, beacons: 0 };
  let onBeacons: ((beacons: RawBeacon[]) => void) | null = null;
  const slots: (Slot | null)[] = [];
  let respawns = 0;
  let stopping = false;
  const waiters = new Set<() => void>();
  let inFlightQuestions = 0;
  const inFlightAnswers = new Map<number, (worker: number, count: number) => void>();

  const notify = () => {
    for (const w of waiters) w();
  };

  function spawn(index: number, onReady?: (err: Error | null) => void): void {
    const worker = new Worker(entry);
    const slot: Slot = { index, worker, acked: { routes: -1, certs: -1, acme: -1, beacons: -1 } };
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
      if (stopping) return;
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
        case "records":
          if (opts.onAggregates) opts.onAggregates(aggregatePackedRecords(msg));
          if (opts.onRecords) opts.onRecords(unpackRecords(msg));
          return;
        case "beacons":
          // Switched off while a batch was in flight: those few beacons are dropped (already 202).
          onBeacons?.(msg.beacons);
          return;
        case "in-flight":
          inFlightAnswers.get(msg.version)?.(index, msg.count);
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
        config: config(index),
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

  await Promise.all(
    Array.from(
      { length: opts.workers },
      (_, i) =>
        new Promise<void>((resolve, reject) => {
          spawn(i, (err) => (err ? reject(err) : resolve()));
        }),
    ),
  ).catch((err) => {
    stopping = true;
    for (const slot of slots) slot?.worker.terminate();
    throw err;
  });
  log("info", "proxy started", { workers: opts.workers, httpPort: opts.httpPort, httpsPort: opts.httpsPort });

  return {
    async publishRoutes(routes) {
      const started = performance.now();
      checkRouteConflicts(routes);
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
      return { version, ackMs: performance.now() - started };
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
      onBeacons = handler;
      const version = ++current.beacons;
      broadcast({ type: "beacons", version, enabled: handler !== null });
      await waitForAcks("beacons", version);
    },
    stats() {
      return { workers: slots.filter((s) => s !== null).length, respawns, version: routesVersion };
    },
    inFlight(origins) {
      const version = ++inFlightQuestions;
      const asked = slots.filter((slot): slot is Slot => slot !== null);
      return new Promise<number>((resolve, reject) => {
        const answered = new Set<number>();
        let total = 0;
        const done = () => {
          clearTimeout(timer);
          inFlightAnswers.delete(version);
        };
        const timer = setTimeout(() => {
          done();
          reject(
            new RouteAckTimeoutError("in-flight count", version, asked.length - answered.size, ackTimeoutMs),
          );
        }, ackTimeoutMs);
        inFlightAnswers.set(version, (worker, count) => {
          if (answered.has(worker)) return;
          answered.add(worker);
          total += count;
          if (answered.size >= asked.length) {
            done();
            resolve(total);
          }
        });
        if (asked.length === 0) {
          done();
          resolve(0);
          return;
        }
        for (const slot of asked)
          slot.worker.postMessage({ type: "in-flight", version, origins } satisfies ToWorker);
      });
    },
    crashWorker(index) {
      slots[index]?.worker.postMessage({ type: "crash", version: routesVersion } satisfies ToWorker);
    },
    async stop() {
      stopping = true;
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
