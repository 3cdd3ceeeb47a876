import type { RouteSpec } from "../shared/route-spec.ts";

/**
 * Main-thread bookkeeping for route publishes: only what changed since the previous version
 * travels to the workers. Sending the whole table as JSON costs a stringify, a copy per worker, a
 * parse and an index per publish, a delta only its few routes (docs/performance.md, Measured while
 * building).
 */
export interface RouteDelta {
  upserts: RouteSpec[];
  /** The upserts not yet handed to `onChunk`, as a JSON array. */
  restJson: string;
  removes: string[];
}

function freezeSpec(spec: RouteSpec): void {
  for (const value of Object.values(spec))
    if (typeof value === "object" && value !== null) Object.freeze(value);
  Object.freeze(spec);
}

/** Upserts per chunk when streaming: small enough for a worker to take between other work (docs/performance.md, Measured while building). */
export const ROUTE_CHUNK = 1000;

export class RouteDiffer {
  /** Each route's JSON text (the comparison key, and the bytes a worker needs anyway), by id. */
  private readonly entries = new Map<
    string,
    { spec: RouteSpec; text: string; generation: number; frozen: boolean }
  >();
  private generation = 0;

  /**
   * Remembers `routes` as the new baseline and returns what changed, comparing each spec's JSON
   * text. A caller that keeps its route objects between publishes (the route providers cache
   * them) pays a map lookup per route: the second time the same object is published it is checked
   * once more by text and frozen, after that it is unchanged by identity, and mutating it throws.
   * Objects published once are never frozen: freezing a fresh object is dear in JavaScriptCore and
   * slows every later JSON.stringify of it (docs/performance.md, Measured while building).
   *
   * With `onChunk`, every ROUTE_CHUNK upserts are handed over as a JSON array while the diff goes
   * on, so workers parse and compile them in parallel with the rest of the diff.
   */
  next(routes: RouteSpec[], onChunk?: (json: string) => void): RouteDelta {
    // Updated in place and swept by generation: cheaper than building a new 10,000-entry Map.
    const generation = ++this.generation;
    const upserts: RouteSpec[] = [];
    let pending: string[] = [];
    for (const spec of routes) {
      const entry = this.entries.get(spec.id);
      if (entry !== undefined && entry.spec === spec && entry.frozen) {
        entry.generation = generation;
        continue;
      }
      const text = JSON.stringify(spec);
      if (entry !== undefined) {
        if (entry.spec === spec) {
          freezeSpec(spec);
          entry.frozen = true;
        } else {
          entry.spec = spec;
          entry.frozen = false;
        }
        entry.generation = generation;
        if (entry.text === text) continue;
        entry.text = text;
      } else this.entries.set(spec.id, { spec, text, generation, frozen: false });
      upserts.push(spec);
      pending.push(text);
      if (onChunk && pending.length === ROUTE_CHUNK) {
        onChunk(`[${pending.join(",")}]`);
        pending = [];
      }
    }
    const removes: string[] = [];
    if (this.entries.size > routes.length) {
      for (const [id, entry] of this.entries) if (entry.generation !== generation) removes.push(id);
      for (const id of removes) this.entries.delete(id);
    }
    return { upserts, restJson: `[${pending.join(",")}]`, removes };
  }

  /** Every current route as a JSON array, for a worker that starts from nothing. */
  allJson(): string {
    return `[${Array.from(this.entries.values(), (e) => e.text).join(",")}]`;
  }

  get size(): number {
    return this.entries.size;
  }
}
