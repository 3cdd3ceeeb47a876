import { z } from "zod";

/**
 * Backup schedules as people write them: `hourly`, `daily 03:00`, `weekly sun 03:00`,
 * `every 6h` / `every 30m` (15 minutes at least). Times are UTC. Pure.
 */
export type Schedule =
  | { kind: "every"; ms: number }
  | { kind: "daily"; minute: number }
  | { kind: "weekly"; day: number; minute: number };

const days = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const minimumEveryMs = 15 * 60_000;

export function parseSchedule(text: string): Schedule | null {
  const value = text.trim().toLowerCase().replace(/\s+/g, " ");
  if (value === "hourly") return { kind: "every", ms: 3_600_000 };
  const time = (hhmm: string) => {
    const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
    return m ? Number(m[1]) * 60 + Number(m[2]) : null;
  };
  let m = /^daily(?: (\S+))?$/.exec(value);
  if (m) {
    const minute = time(m[1] ?? "00:00");
    return minute === null ? null : { kind: "daily", minute };
  }
  m = /^weekly (\w{3})\w*(?: (\S+))?$/.exec(value);
  if (m) {
    const day = days.indexOf(m[1]!);
    const minute = time(m[2] ?? "00:00");
    return day < 0 || minute === null ? null : { kind: "weekly", day, minute };
  }
  m = /^every (\d+) ?(m|min|minutes?|h|hours?)$/.exec(value);
  if (m) {
    const ms = Number(m[1]) * (m[2]!.startsWith("h") ? 3_600_000 : 60_000);
    return ms >= minimumEveryMs && ms <= 7 * 86_400_000 ? { kind: "every", ms } : null;
  }
  return null;
}

export const scheduleSchema = z
  .string()
  .refine(
    (value) => parseSchedule(value) !== null,
    'schedule must be "hourly", "daily HH:MM", "weekly DAY HH:MM" or "every N(h|m)" (15m at least), times in UTC',
  );

/** The first run strictly after `after`. `every` schedules count from the last run (or `after`). */
export function nextRun(schedule: Schedule, after: Date, lastRun?: Date | null): Date {
  if (schedule.kind === "every") {
    const base = lastRun ?? after;
    const next = base.getTime() + schedule.ms;
    return new Date(Math.max(next, after.getTime() + 1000));
  }
  const dayStart = Date.UTC(after.getUTCFullYear(), after.getUTCMonth(), after.getUTCDate());
  for (let d = 0; d <= 7; d++) {
    const candidate = new Date(dayStart + d * 86_400_000 + schedule.minute * 60_000);
    if (candidate <= after) continue;
    if (schedule.kind === "weekly" && candidate.getUTCDay() !== schedule.day) continue;
    return candidate;
  }
  throw new Error("unreachable: a weekly schedule repeats within 8 days");
}

/** Which backups a keep-N policy removes: the oldest successful ones beyond N (newest first in). */
export function expiredBackups<T extends { status: string; startedAt: Date }>(rows: T[], keep: number): T[] {
  const ok = rows
    .filter((r) => r.status === "ok")
    .sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime());
  return ok.slice(Math.max(1, keep));
}
