import type { RawBeacon } from "../shared/edge/raw-beacon.ts";
import type { RecordPacker } from "../shared/record-batch.ts";
import type { RouteTable, UpstreamTarget } from "../shared/route-table.ts";
import { UpstreamHealth } from "./upstream-health.ts";
import { UpstreamPool } from "./upstream-pool.ts";

/** Everything a worker's front connections read; `table` and `acme` are swapped whole, never mutated. */
export interface FrontState {
  table: RouteTable;
  acme: Map<string, string>;
  internal: UpstreamTarget | null;
  httpsPort: number | null;
  httpPort: number;
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
}

export function createFrontState(
  init: Omit<FrontState, "health" | "pools" | "requestCounter" | "requestIdPrefixBytes">,
): FrontState {
  return {
    ...init,
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
