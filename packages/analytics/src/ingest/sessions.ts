import type { SessionFacts } from "./records.ts";

export const SESSION_TIMEOUT_MS = 30 * 60_000;

interface OpenSession {
  id: number;
  lastTs: number;
  facts: SessionFacts;
}

export interface SessionAssignment {
  session: number;
  isNew: boolean;
  facts: SessionFacts;
}

/**
 * Visits live in memory: a visitor's events within 30 minutes of each other belong to one visit.
 * Visitor ids change at UTC midnight (new salt), so a visit never spans two days. The map is bounded:
 * when full, the least recently seen visits are forgotten (their next event starts a new visit).
 */
export class SessionTracker {
  private readonly open = new Map<string, OpenSession>();

  constructor(
    private readonly timeoutMs = SESSION_TIMEOUT_MS,
    private readonly maxOpen = 500_000,
    private readonly newId: () => number = randomSessionId,
  ) {}

  assign(site: string, visitor: number, ts: number, factsForNewVisit: () => SessionFacts): SessionAssignment {
    const key = `${site}\n${visitor}`;
    const current = this.open.get(key);
    if (current && ts - current.lastTs < this.timeoutMs) {
      current.lastTs = Math.max(current.lastTs, ts);
      // Re-insert so Map iteration order stays least-recently-seen first for eviction.
      this.open.delete(key);
      this.open.set(key, current);
      return { session: current.id, isNew: false, facts: current.facts };
    }
    const session: OpenSession = { id: this.newId(), lastTs: ts, facts: factsForNewVisit() };
    this.open.delete(key);
    this.open.set(key, session);
    if (this.open.size > this.maxOpen) this.evict(this.open.size - this.maxOpen);
    return { session: session.id, isNew: true, facts: session.facts };
  }

  /** Drops visits idle for longer than the timeout; called periodically to bound memory. */
  sweep(now: number): number {
    let removed = 0;
    for (const [key, session] of this.open) {
      if (now - session.lastTs < this.timeoutMs) break;
      this.open.delete(key);
      removed++;
    }
    return removed;
  }

  /** Re-opens visits that were still active when the process stopped, so a restart does not split them. */
  restore(site: string, visitor: number, id: number, lastTs: number, facts: SessionFacts): void {
    this.open.set(`${site}\n${visitor}`, { id, lastTs, facts });
  }

  get size(): number {
    return this.open.size;
  }

  private evict(count: number): void {
    for (const key of this.open.keys()) {
      if (count-- <= 0) break;
      this.open.delete(key);
    }
  }
}

function randomSessionId(): number {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return Buffer.from(bytes).readUIntBE(0, 6);
}
