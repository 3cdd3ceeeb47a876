import { z } from "zod";

/**
 * When scheduled backups run, in the server's local time zone (TZ): `off`, `hourly` (at minute
 * 0), `daily HH:MM`, or `weekly DAY HH:MM` (DAY = mon … sun). Pure: the scheduler asks which slot
 * is due; a slot is a point in time, and the run made for it is recorded under it.
 */
export type Schedule =
  | { kind: "off" }
  | { kind: "hourly"; minute: number }
  | { kind: "daily"; hour: number; minute: number }
  | { kind: "weekly"; day: number; hour: number; minute: number };

const days = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

export function parseSchedule(text: string): Schedule | null {
  const value = text.trim().toLowerCase().replace(/\s+/g, " ");
  if (value === "off" || value === "") return { kind: "off" };
  if (value === "hourly") return { kind: "hourly", minute: 0 };
  const time = (hhmm: string) => {
    const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
    return m ? { hour: Number(m[1]), minute: Number(m[2]) } : null;
  };
  const daily = /^daily (\S+)$/.exec(value);
  if (daily) {
    const t = time(daily[1]!);
    return t ? { kind: "daily", ...t } : null;
  }
  const weekly = /^weekly (\S+) (\S+)$/.exec(value);
  if (weekly) {
    const day = days.indexOf(weekly[1]!.slice(0, 3));
    const t = time(weekly[2]!);
    return day >= 0 && t && days[day]!.startsWith(weekly[1]!.slice(0, 3))
      ? { kind: "weekly", day, ...t }
      : null;
  }
  return null;
}

export const scheduleSchema = z
  .string()
  .max(40)
  .refine(
    (s) => parseSchedule(s) !== null,
    'schedule must be "off", "hourly", "daily HH:MM" or "weekly DAY HH:MM" (e.g. "daily 03:00")',
  );

/** The latest slot at or before `now`, or null when the schedule is off. Local time. */
export function latestSlot(schedule: Schedule, now: Date): Date | null {
  if (schedule.kind === "off") return null;
  const slot = new Date(now);
  slot.setSeconds(0, 0);
  if (schedule.kind === "hourly") {
    slot.setMinutes(schedule.minute);
    if (slot > now) slot.setHours(slot.getHours() - 1);
    return slot;
  }
  slot.setHours(schedule.hour, schedule.minute);
  if (schedule.kind === "daily") {
    if (slot > now) slot.setDate(slot.getDate() - 1);
    return slot;
  }
  slot.setDate(slot.getDate() - ((slot.getDay() - schedule.day + 7) % 7));
  if (slot > now) slot.setDate(slot.getDate() - 7);
  return slot;
}

/** The first slot after `now`, for display. */
export function nextSlot(schedule: Schedule, now: Date): Date | null {
  const latest = latestSlot(schedule, now);
  if (!latest || schedule.kind === "off") return null;
  const next = new Date(latest);
  if (schedule.kind === "hourly") next.setHours(next.getHours() + 1);
  else if (schedule.kind === "daily") next.setDate(next.getDate() + 1);
  else next.setDate(next.getDate() + 7);
  return next;
}

/**
 * The slot to run now, or null: the latest slot, if it came after the schedule was set (a new
 * schedule does not fire for a time already past) and has no run yet. A pier that was down at
 * 03:00 makes that backup when it is back, once; older missed slots are not made up.
 */
export function dueSlot(
  schedule: Schedule,
  now: Date,
  scheduleSetAt: Date,
  hasRun: (slot: Date) => boolean,
): Date | null {
  const slot = latestSlot(schedule, now);
  if (!slot || slot <= scheduleSetAt || hasRun(slot)) return null;
  return slot;
}
