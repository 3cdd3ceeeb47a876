import type { ServiceHealth } from "./docker/service-containers.ts";

/** What the watch remembers of one service between two looks. */
export interface WatchState {
  downSince: number | null;
  reported: boolean;
}

export type WatchEvent = { kind: "down"; since: number } | { kind: "recovered"; downMs: number } | null;

/**
 * One look at a service's health: down (stopped, gone or unhealthy) for `downAfterMs` is reported
 * once; healthy again after that is reported as recovered. Pure.
 */
export function observeHealth(
  state: WatchState,
  health: ServiceHealth,
  now: number,
  downAfterMs: number,
): { state: WatchState; event: WatchEvent } {
  const down = health === "stopped" || health === "missing" || health === "unhealthy";
  if (!down) {
    if (health !== "healthy") return { state, event: null };
    const event: WatchEvent =
      state.reported && state.downSince !== null
        ? { kind: "recovered", downMs: now - state.downSince }
        : null;
    return { state: { downSince: null, reported: false }, event };
  }
  const since = state.downSince ?? now;
  if (!state.reported && now - since >= downAfterMs) {
    return { state: { downSince: since, reported: true }, event: { kind: "down", since } };
  }
  return { state: { downSince: since, reported: state.reported }, event: null };
}
