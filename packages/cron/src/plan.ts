import type { RunTrigger } from "./job.ts";
import { dueTimes, type Schedule } from "./schedule.ts";

export interface TickPlan {
  /** The run to start now, if any (a batch of due times runs once). */
  run: { scheduledAt: Date; trigger: RunTrigger } | null;
  /** Where the job's position moves to (the latest due time); null when nothing was due. */
  advanceTo: Date | null;
  /** Due times that passed while pier was down and were let go (catch_up off). */
  missed: number;
}

/** The scheduler looks for due times every second: a time is seen up to a tick late. */
const tickSlackMs = 1500;

/**
 * At most this late a due time still counts as on time: a minute, or half the schedule's period,
 * but never less than a tick and a half (a seconds schedule is seen up to a tick late).
 */
export function graceMs(schedule: Schedule, dueAt: Date): number {
  const following = schedule.next(dueAt);
  const period = following ? following.getTime() - dueAt.getTime() : Number.POSITIVE_INFINITY;
  return Math.max(tickSlackMs, Math.min(60_000, period / 2));
}

/**
 * What one tick of the scheduler does with one job. Pure. Every due time since the job's position
 * is dealt with at once: the newest runs if it is on time; older ones (pier was down, or busy)
 * are missed, and with catch_up one run makes up for all of them.
 */
export function planTick(schedule: Schedule, lastScheduledAt: Date, now: Date, catchUp: boolean): TickPlan {
  const due = dueTimes(schedule, lastScheduledAt, now, 10_000);
  if (due.length === 0) return { run: null, advanceTo: null, missed: 0 };
  const latest = due[due.length - 1]!;
  const onTime = now.getTime() - latest.getTime() <= graceMs(schedule, latest);
  if (onTime)
    return { run: { scheduledAt: latest, trigger: "schedule" }, advanceTo: latest, missed: due.length - 1 };
  if (catchUp)
    return { run: { scheduledAt: latest, trigger: "catch_up" }, advanceTo: latest, missed: due.length - 1 };
  return { run: null, advanceTo: latest, missed: due.length };
}
