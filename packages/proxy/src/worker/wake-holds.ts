/**
 * Requests held on sleeping routes (a sleeping environment's route: no upstreams, `sleeping`),
 * per route id. The first request on a route asks the main thread to wake it (one ask per route
 * while it wakes, however many requests wait); when the main thread answers, every request held
 * on that route goes on (the route table already routes to the woken release) or gets a 503.
 */

/** A connection holding a request until its route wakes. */
export interface HeldRequest {
  /** The route woke (true) or could not be woken (false). */
  resumeHeld(woken: boolean): void;
}

export class WakeHolds {
  private readonly held = new Map<string, Set<HeldRequest>>();

  /** `ask` posts a wake request to the main thread; null when nothing there can wake routes. */
  constructor(private readonly ask: ((routeId: string) => void) | null) {}

  /** Holds `request` on `routeId`; false when routes cannot be woken here (answer at once). */
  hold(routeId: string, request: HeldRequest): boolean {
    if (this.ask === null) return false;
    const waiting = this.held.get(routeId);
    if (waiting !== undefined) {
      waiting.add(request);
      return true;
    }
    this.held.set(routeId, new Set([request]));
    this.ask(routeId);
    return true;
  }

  /** The request stopped waiting (its client left, or it timed out). */
  release(routeId: string, request: HeldRequest): void {
    this.held.get(routeId)?.delete(request);
  }

  /**
   * The main thread's answer for `routeId`: every request held there goes on or is answered. The
   * entry goes too, so the next request on a route that is still asleep asks again.
   */
  answered(routeId: string, woken: boolean): void {
    const waiting = this.held.get(routeId);
    this.held.delete(routeId);
    if (waiting === undefined) return;
    for (const request of waiting) request.resumeHeld(woken);
  }

  /** How many requests wait (tests, stats). */
  get size(): number {
    let n = 0;
    for (const waiting of this.held.values()) n += waiting.size;
    return n;
  }
}
