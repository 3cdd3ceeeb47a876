import { z } from "zod";
import type { RawBeacon } from "./edge/raw-beacon.ts";

/**
 * Messages between the main thread and proxy workers. Every message carries a version: the route
 * table version for routes, and a per-kind sequence number for certificates and ACME challenges.
 * Payloads that are large and built by this package itself (routes, record batches) are checked
 * for shape only: a full zod parse of 10,000 routes per worker would dominate swap time.
 *
 * Routes travel as JSON strings of validated RouteSpecs: the whole table once at init, then only
 * deltas against the previous version (see main/route-diff.ts), each worker indexing them itself:
 * with thousands of routes, cloning the indexed Maps or sending the whole table per publish cost
 * far more than a delta (docs/performance.md, Measured while building). A large delta is streamed
 * in chunks (`routes-part`) so that workers work in parallel with the main thread.
 */

const routesJson = z.string().startsWith("[");

export const certificateSchema = z.object({
  serverName: z.string().min(1),
  cert: z.string(),
  key: z.string(),
});
export type Certificate = z.infer<typeof certificateSchema>;

export {
  DEFAULT_BODY_TIMEOUT_MS,
  DEFAULT_HEAD_TIMEOUT_MS,
  DEFAULT_SEND_TIMEOUT_MS,
  DEFAULT_WAKE_TIMEOUT_MS,
} from "./proxy-defaults.ts";

export const workerConfigSchema = z.object({
  workerIndex: z.number().int(),
  httpPort: z.number().int(),
  httpsPort: z.number().int().nullable(),
  hostname: z.string(),
  internalUpstream: z.string().nullable(),
  /**
   * Added as X-Pier-Edge to what the workers forward to the console (/_pier/ paths, routes to the
   * console), so the console believes their X-Pier-App, X-Pier-Host and X-Forwarded-For.
   */
  edgeSecret: z.string().nullable(),
  recordBatchSize: z.number().int().positive(),
  recordFlushMs: z.number().int().positive(),
  beaconBatchSize: z.number().int().positive(),
  beaconFlushMs: z.number().int().positive(),
  /** A client that has not sent a whole request head by then gets a 408 and is closed. */
  headTimeoutMs: z.number().int().positive(),
  /** A request body that goes this long without a byte gets a 408 and is closed. */
  bodyTimeoutMs: z.number().int().positive(),
  /** A client that takes no byte of an answer for this long is cut, with the upstream socket. */
  sendTimeoutMs: z.number().int().positive(),
  /** The main thread wakes sleeping routes (`wake` messages); without it their requests get a 503. */
  wakes: z.boolean(),
  /** How long a request is held on a sleeping route before a 503. */
  wakeTimeoutMs: z.number().int().positive(),
  /**
   * Listening sockets inherited from the pier this one takes over from (a hand-over): the worker
   * listens on these fds instead of binding; empty lists mean bind the port with reusePort.
   */
  listenFds: z.object({ http: z.array(z.number().int()), https: z.array(z.number().int()) }),
  /** Open no listener until a `listen` message (a hand-over: only once the routes are in). */
  deferListening: z.boolean(),
});
export type WorkerConfig = z.infer<typeof workerConfigSchema>;

export const toWorkerSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("init"),
    version: z.number(),
    config: workerConfigSchema,
    routes: routesJson,
    certsVersion: z.number(),
    certs: z.array(certificateSchema),
    acmeVersion: z.number(),
    acme: z.record(z.string(), z.string()),
    /** Answer POST /_pier/event in the worker and post the beacons (see `setBeaconHandler`). */
    beacons: z.boolean(),
  }),
  z.object({
    type: z.literal("routes"),
    version: z.number(),
    /** The version this delta applies to; a worker elsewhere crashes and is respawned whole. */
    base: z.number(),
    /** The upserts not sent ahead in `routes-part` messages of the same version. */
    upserts: routesJson,
    removes: z.array(z.string()),
  }),
  /** Upserts of a large delta sent ahead, so workers compile them while the main thread diffs on. */
  z.object({ type: z.literal("routes-part"), version: z.number(), upserts: routesJson }),
  z.object({ type: z.literal("certs"), version: z.number(), certs: z.array(certificateSchema) }),
  z.object({ type: z.literal("acme"), version: z.number(), acme: z.record(z.string(), z.string()) }),
  z.object({ type: z.literal("beacons"), version: z.number(), enabled: z.boolean() }),
  z.object({ type: z.literal("crash"), version: z.number() }),
  /** Start listening (after a deferred init); answered with how many listeners are open. */
  z.object({ type: z.literal("listen"), version: z.number() }),
  /** How many exchanges are in flight to these origins; `version` numbers the question. */
  z.object({ type: z.literal("in-flight"), version: z.number(), origins: z.array(z.string()) }),
  /**
   * pier is stopping, in two phases asked of every worker in turn, so that WebSockets stay open
   * until no worker has anything else in flight. "exchanges": stop accepting and let the
   * exchanges in progress finish, for up to `timeoutMs`, tunnels left open (answered with 0).
   * "tunnels": close the tunnels with 1001, cut whatever is open after `timeoutMs`, post the
   * beacons and records held, then answer with how many connections were cut.
   */
  z.object({
    type: z.literal("drain"),
    version: z.number(),
    timeoutMs: z.number().int().nonnegative(),
    phase: z.enum(["exchanges", "tunnels"]),
  }),
  /** Close the WebSocket tunnels to these origins with `code`; answered with how many there were. */
  z.object({
    type: z.literal("close-tunnels"),
    version: z.number(),
    origins: z.array(z.string()),
    code: z.number().int(),
  }),
  /** The answer to a worker's `wake`: the route serves again (true) or could not be woken. */
  z.object({ type: z.literal("woken"), version: z.number(), routeId: z.string(), woken: z.boolean() }),
]);
export type ToWorker = z.infer<typeof toWorkerSchema>;

/** Built by the worker from `acceptBeacon`: checked for shape only, like the record batches. */
const rawBeacons = z.custom<RawBeacon[]>((v) => Array.isArray(v), "beacon array expected");

const packedNumbers = z.custom<Float64Array>((v) => v instanceof Float64Array, "Float64Array expected");

export const fromWorkerSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ready"), version: z.number() }),
  z.object({
    type: z.literal("ack"),
    kind: z.enum(["routes", "certs", "acme", "beacons"]),
    version: z.number(),
  }),
  z.object({ type: z.literal("beacons"), beacons: rawBeacons }),
  /** Packed request records (record-batch.ts); the Float64Array's buffer is transferred, not copied. */
  z.object({
    type: z.literal("records"),
    version: z.number(),
    count: z.number().int().nonnegative(),
    numbers: packedNumbers,
    strings: z.array(z.string()),
  }),
  z.object({ type: z.literal("failed"), version: z.number(), message: z.string() }),
  /** The answer to a `listen`, `in-flight`, `drain` or `close-tunnels` question of the same version. */
  z.object({ type: z.literal("answer"), version: z.number(), count: z.number().int().nonnegative() }),
  /** A request arrived on this sleeping route: wake it (asked once per route while it wakes). */
  z.object({ type: z.literal("wake"), routeId: z.string() }),
  /** The fds of this worker's listening sockets, after each change: what a hand-over passes on. */
  z.object({
    type: z.literal("listening"),
    http: z.array(z.number().int()),
    https: z.array(z.number().int()),
  }),
]);
export type FromWorker = z.infer<typeof fromWorkerSchema>;
