import type { RawBeacon } from "../shared/edge/raw-beacon.ts";
import {
  DEFAULT_BODY_TIMEOUT_MS,
  DEFAULT_HEAD_TIMEOUT_MS,
  DEFAULT_SEND_TIMEOUT_MS,
  DEFAULT_WAKE_TIMEOUT_MS,
} from "../shared/proxy-defaults.ts";
import type { RecordPacker } from "../shared/record-batch.ts";
import type { RouteTable, UpstreamTarget } from "../shared/route-table.ts";
import { UpstreamHealth } from "./upstream-health.ts";
import { UpstreamPool } from "./upstream-pool.ts";
import { WakeHolds } from "./wake-holds.ts";

/** Everything a worker's front connections read; `table` and `acme` are swapped whole, never mutated. */
export interface FrontState {
  table: RouteTable;
  acme: Map<string, string>;
  internal: UpstreamTarget | null;
  /** "x-pier-edge: <secret>\r\n" for requests forwarded to the console; "" without a secret. */
  edgeLine: string;
  httpsPort: number | null;
  httpPort: number;
  /** How long a client has to send a whole request head (a connection's first, or one it started). */
  headTimeoutMs: number;
  /** How long a request body being read may go without a byte before a 408. */
  bodyTimeoutMs: number;
  /** How long a client may take none of the bytes queued for it before its connection is cut. */
  sendTimeoutMs: number;
  /** Unique per worker, prefix of generated request ids. */
  requestIdPrefix: string;
  /** The same as latin1 bytes, copied into forwarded heads. */
  requestIdPrefixBytes: Buffer;
  requestCounter: number;
  /** Positional, so the hot path allocates no record object (see shared/record-batch.ts). */
  record: (...fields: Parameters<RecordPacker["add"]>) => void;
  /** Set when this worker answers POST /_pier/event itself; null forwards beacons to `internal`. */
  beacon: ((beacon: RawBeacon) => void) | null;
  health: UpstreamHealth;
  pools: Map<string, UpstreamPool>;
  /** Requests held on sleeping routes until the main thread woke them (wake-holds.ts). */
  wakes: WakeHolds;
  /** How long a request is held on a sleeping route before a 503. */
  wakeTimeoutMs: number;
  /** pier is stopping: connections end after their current exchange (FrontConnection.drain). */
  draining: boolean;
}

export type FrontStateInit = Omit<
  FrontState,
  | "health"
  | "pools"
  | "requestCounter"
  | "requestIdPrefixBytes"
  | "headTimeoutMs"
  | "bodyTimeoutMs"
  | "sendTimeoutMs"
  | "edgeLine"
  | "wakes"
  | "wakeTimeoutMs"
  | "draining"
> & {
  headTimeoutMs?: number;
  bodyTimeoutMs?: number;
  sendTimeoutMs?: number;
  edgeLine?: string;
  /** Posts a wake request for a sleeping route to the main thread; without it such requests get a 503. */
  askWake?: (routeId: string) => void;
  wakeTimeoutMs?: number;
};

export function createFrontState(init: FrontStateInit): FrontState {
  const { askWake, headTimeoutMs, bodyTimeoutMs, sendTimeoutMs, edgeLine, wakeTimeoutMs, ...rest } = init;
  return {
    ...rest,
    headTimeoutMs: headTimeoutMs ?? DEFAULT_HEAD_TIMEOUT_MS,
    bodyTimeoutMs: bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS,
    sendTimeoutMs: sendTimeoutMs ?? DEFAULT_SEND_TIMEOUT_MS,
    edgeLine: edgeLine ?? "",
    wakes: new WakeHolds(askWake ?? null),
    wakeTimeoutMs: wakeTimeoutMs ?? DEFAULT_WAKE_TIMEOUT_MS,
    draining: false,
    requestIdPrefixBytes: Buffer.from(init.requestIdPrefix, "latin1"),
    requestCounter: 0,
    health: new UpstreamHealth(),
    pools: new Map(),
  };
}

/** Upstream pools live per worker and per origin, across route table versions. */
export function poolFor(state: FrontState, target: UpstreamTarget): UpstreamPool {
  let pool = state.pools.get(target.origin);
  if (pool === undefined) {
    pool = new UpstreamPool(target);
    state.pools.set(target.origin, pool);
  }
  return pool;
}
