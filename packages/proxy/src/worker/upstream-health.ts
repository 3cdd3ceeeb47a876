import type { CompiledRoute, UpstreamTarget } from "../shared/route-table.ts";

/**
 * Passive health per worker: an upstream that refuses connections is skipped for a back-off
 * that doubles on each consecutive failure (1 s up to 30 s) and resets on the first success.
 */
export const BACKOFF_MIN_MS = 1_000;
export const BACKOFF_MAX_MS = 30_000;

interface HealthEntry {
  downUntil: number;
  failures: number;
}

export class UpstreamHealth {
  private readonly entries = new Map<string, HealthEntry>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  markFailed(origin: string): void {
    let e = this.entries.get(origin);
    if (!e) {
      e = { downUntil: 0, failures: 0 };
      this.entries.set(origin, e);
    }
    e.failures++;
    e.downUntil = this.now() + Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** (e.failures - 1));
  }

  markHealthy(origin: string): void {
    if (this.entries.size !== 0) this.entries.delete(origin);
  }

  isDown(origin: string): boolean {
    if (this.entries.size === 0) return false;
    const e = this.entries.get(origin);
    return e !== undefined && e.downUntil > this.now();
  }

  /**
   * Round-robin over the route's healthy upstreams, skipping `exclude` (already tried). When all
   * are backing off, the one that recovers first is probed rather than failing outright: after a
   * full restart of an app every replica is marked down, yet one of them is usually back.
   */
  pick(route: CompiledRoute, cursor: number, exclude: UpstreamTarget | null): UpstreamTarget | null {
    const list = route.upstreams;
    const n = list.length;
    let fallback: UpstreamTarget | null = null;
    let fallbackUntil = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const u = list[(cursor + i) % n]!;
      if (u === exclude) continue;
      if (!this.isDown(u.origin)) return u;
      const until = this.entries.get(u.origin)!.downUntil;
      if (until < fallbackUntil) {
        fallbackUntil = until;
        fallback = u;
      }
    }
    return exclude === null ? fallback : null;
  }
}
