import type { RequestRecord } from "./request-record.ts";

/**
 * Request records cross from workers to the main thread packed: numbers in one transferable
 * Float64Array, strings (hosts, route ids, upstreams: a handful per batch) interned once per batch:
 * batches of record objects went through structured clone and raised the proxy's tail latency
 * under load (docs/performance.md, Measured while building).
 * A batch grows from `minCapacity` to `maxCapacity` while traffic fills it before the flush timer:
 * each message costs the main thread a wake-up, so large batches while busy cost it less per
 * request (docs/performance.md, Proxy notes); a quiet worker keeps a small buffer.
 */

/** Numbers per record; the positions are read by aggregatePackedRecords (main/record-aggregation.ts). */
export const FIELDS = 9;
export const NULL_ID = -1;

export interface PackedRecords {
  count: number;
  numbers: Float64Array;
  strings: string[];
}

export class RecordPacker {
  private numbers: Float64Array;
  private strings: string[] = [];
  private ids = new Map<string, number>();
  /**
   * The last string and id per field (host, route, app, upstream): consecutive records nearly
   * always repeat them, so the Map is consulted only when one changes.
   */
  private lastString: (string | null)[] = [null, null, null, null];
  private lastId = [NULL_ID, NULL_ID, NULL_ID, NULL_ID];
  /**
   * Date.now() minus performance.now(), read again at the first record of every batch. Records
   * carry monotonic times (no wall-clock read per request), and a batch spans at most one flush
   * interval, so a clock step (NTP setting the clock after boot on a board without RTC) reaches
   * the next batch.
   */
  private epochOffset = 0;
  count = 0;
  /** Records the current buffer holds: grows by doubling up to maxCapacity. */
  capacity: number;

  constructor(
    readonly maxCapacity: number,
    readonly minCapacity = Math.min(256, maxCapacity),
  ) {
    this.capacity = minCapacity;
    this.numbers = new Float64Array(minCapacity * FIELDS);
  }

  /** Doubles the buffer; false when it is already as large as allowed (the batch is full). */
  private grow(): boolean {
    if (this.capacity >= this.maxCapacity) return false;
    this.capacity = Math.min(this.maxCapacity, this.capacity * 2);
    const bigger = new Float64Array(this.capacity * FIELDS);
    bigger.set(this.numbers);
    this.numbers = bigger;
    return true;
  }

  private id(field: number, s: string | null): number {
    if (s === this.lastString[field]) return this.lastId[field]!;
    const i = this.intern(s);
    this.lastString[field] = s;
    this.lastId[field] = i;
    return i;
  }

  private intern(s: string | null): number {
    if (s === null) return NULL_ID;
    let i = this.ids.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.ids.set(s, i);
    }
    return i;
  }

  /**
   * `startedMs` is the request's arrival as performance.now(). Returns true when the batch is full
   * and should be taken.
   */
  add(
    host: string,
    routeId: string | null,
    appId: string | null,
    status: number,
    startedMs: number,
    durationMs: number,
    bytesIn: number,
    bytesOut: number,
    upstream: string | null,
  ): boolean {
    const n = this.numbers;
    const o = this.count * FIELDS;
    if (this.count === 0) this.epochOffset = Date.now() - performance.now();
    n[o] = this.epochOffset + startedMs;
    n[o + 1] = status;
    n[o + 2] = durationMs;
    n[o + 3] = bytesIn;
    n[o + 4] = bytesOut;
    n[o + 5] = this.id(0, host);
    n[o + 6] = this.id(1, routeId);
    n[o + 7] = this.id(2, appId);
    n[o + 8] = this.id(3, upstream);
    return ++this.count >= this.capacity && !this.grow();
  }

  /**
   * The batch so far (its buffer can be transferred); the packer starts a fresh one, sized for
   * as many records as this batch held, so a busy worker stays at large batches and a quiet one
   * goes back to a small buffer.
   */
  take(): PackedRecords {
    const packed = { count: this.count, numbers: this.numbers, strings: this.strings };
    let next = this.minCapacity;
    while (next < this.count && next < this.maxCapacity) next *= 2;
    this.capacity = Math.min(next, this.maxCapacity);
    this.numbers = new Float64Array(this.capacity * FIELDS);
    this.strings = [];
    this.ids = new Map();
    this.lastString = [null, null, null, null];
    this.lastId = [NULL_ID, NULL_ID, NULL_ID, NULL_ID];
    this.count = 0;
    return packed;
  }
}

export function unpackRecords(p: PackedRecords): RequestRecord[] {
  const out: RequestRecord[] = new Array(p.count);
  const n = p.numbers;
  const str = (i: number) => (i === NULL_ID ? null : (p.strings[i] ?? null));
  for (let r = 0; r < p.count; r++) {
    const o = r * FIELDS;
    out[r] = {
      ts: n[o]!,
      host: str(n[o + 5]!) ?? "",
      routeId: str(n[o + 6]!),
      appId: str(n[o + 7]!),
      status: n[o + 1]!,
      durationMs: n[o + 2]!,
      bytesIn: n[o + 3]!,
      bytesOut: n[o + 4]!,
      upstream: str(n[o + 8]!),
    };
  }
  return out;
}
