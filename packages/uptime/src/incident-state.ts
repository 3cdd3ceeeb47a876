export type MonitorStatus = "unknown" | "up" | "retrying" | "down";

export interface MonitorState {
  status: MonitorStatus;
  consecutiveFailures: number;
  openIncidentId: string | null;
}

export type Transition =
  | { kind: "none" }
  | { kind: "open"; reason: string }
  | { kind: "resolve"; incidentId: string };

/**
 * One check result moves a monitor: failures below the retry budget are "retrying" (no incident,
 * no notification: a single lost packet should not page anyone), the next one opens an incident,
 * and the first success closes it.
 */
export function applyCheck(
  state: MonitorState,
  result: { ok: boolean; error?: string },
  retries: number,
): { next: MonitorState; transition: Transition } {
  if (result.ok) {
    const transition: Transition = state.openIncidentId
      ? { kind: "resolve", incidentId: state.openIncidentId }
      : { kind: "none" };
    return { next: { status: "up", consecutiveFailures: 0, openIncidentId: null }, transition };
  }
  const failures = state.consecutiveFailures + 1;
  if (state.openIncidentId) {
    return {
      next: { ...state, status: "down", consecutiveFailures: failures },
      transition: { kind: "none" },
    };
  }
  if (failures > retries) {
    return {
      // The caller fills in the incident id once the row exists.
      next: { status: "down", consecutiveFailures: failures, openIncidentId: null },
      transition: { kind: "open", reason: result.error ?? "check failed" },
    };
  }
  return {
    next: { ...state, status: "retrying", consecutiveFailures: failures },
    transition: { kind: "none" },
  };
}
