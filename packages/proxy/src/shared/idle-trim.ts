/**
 * Gives memory back once traffic stops. Under load a thread's heap and the allocators under it
 * grow (a 64 KB answer passes through as buffers the garbage collector frees later), and left
 * alone the runtime returns that memory on its own timers, about a minute later and not all of it
 * (docs/performance.md, Startup and footprint). A thread that served requests and then saw none
 * for a while trims in two steps:
 * - `collect` after `collectAfter` quiet checks: one full collection (`Bun.gc(true)`), which frees
 *   the buffers and lets the allocator return their pages; a few ms;
 * - `shrink` after `shrinkAfter` quiet checks: `Bun.shrink()` also drops compiled code and hands
 *   the malloc free lists back to the system. The code is compiled again when traffic returns,
 *   which is why this waits much longer than the collection.
 * Then it waits for traffic again, so a thread that stays idle costs one timer.
 *
 * Pure apart from the clock the caller drives: `check(served)` is called every `IDLE_CHECK_MS`
 * with the thread's running count of served requests (or record batches) and says what to do now.
 */
export type TrimStep = "collect" | "shrink" | null;

export class IdleTrim {
  private last = 0;
  private quiet = 0;
  /** Activity was seen since the last shrink (a fresh thread has nothing to give back). */
  private dirty = false;

  constructor(
    private readonly collectAfter = 2,
    private readonly shrinkAfter = 30,
  ) {}

  check(served: number): TrimStep {
    if (served !== this.last) {
      this.last = served;
      this.quiet = 0;
      this.dirty = true;
      return null;
    }
    if (!this.dirty) return null;
    this.quiet++;
    if (this.quiet === this.collectAfter) return "collect";
    if (this.quiet < this.shrinkAfter) return null;
    this.dirty = false;
    return "shrink";
  }
}

/** How often a thread looks whether it went idle. */
export const IDLE_CHECK_MS = 1_000;

/** Runs a trim step on the calling thread (each thread has its own heap: every one trims itself). */
export function runTrimStep(step: TrimStep): void {
  if (step === "collect") Bun.gc(true);
  else if (step === "shrink") Bun.shrink();
}
