import { Cron } from "croner";

/**
 * Cron schedules: five fields (minute hour day-of-month month day-of-week) in a time zone, parsed
 * and stepped by croner. Pure (no timers: croner is only asked for the next time), so pier.toml
 * validation and the scheduler share it, and the DST edges are tested without waiting.
 *
 * A sixth, leading seconds field is accepted only when the server runs with PIER_CRON_SECONDS=1:
 * the end-to-end tests use it to observe "every minute" jobs in seconds; apps do not need it.
 */
export interface ScheduleOptions {
  /** IANA time zone (Europe/Berlin); default UTC. */
  timezone?: string;
  /** Accept a leading seconds field (tests). */
  seconds?: boolean;
}

export class ScheduleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ScheduleError";
  }
}

export interface Schedule {
  /** The first scheduled time strictly after `after`, or null when there is none. */
  next(after: Date): Date | null;
}

export function secondsAllowed(env: Record<string, string | undefined> = process.env): boolean {
  return env.PIER_CRON_SECONDS === "1";
}

export function parseSchedule(expression: string, options: ScheduleOptions = {}): Schedule {
  const fields = expression.trim().split(/\s+/).length;
  const expected = options.seconds ? "5 or 6" : "5";
  if (fields !== 5 && !(options.seconds && fields === 6)) {
    throw new ScheduleError(
      `"${expression}" has ${fields} field${fields === 1 ? "" : "s"}; a schedule has ${expected} (minute hour day month weekday), e.g. "0 7 * * *"`,
    );
  }
  const timezone = options.timezone ?? "UTC";
  if (!validTimezone(timezone)) {
    throw new ScheduleError(
      `unknown time zone "${timezone}"; use an IANA name like "Europe/Berlin" or "UTC"`,
    );
  }
  let cron: Cron;
  try {
    cron = new Cron(expression, { timezone, paused: true, mode: fields === 6 ? "6-part" : "5-part" });
  } catch (error) {
    throw new ScheduleError(`"${expression}" is not a valid schedule: ${(error as Error).message}`);
  }
  return { next: (after) => cron.nextRun(after) };
}

function validTimezone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The times a schedule was due in (after, until]: at most `limit`, oldest first. What a scheduler
 * that was down between the two missed.
 */
export function dueTimes(schedule: Schedule, after: Date, until: Date, limit = 1000): Date[] {
  const out: Date[] = [];
  let cursor = after;
  while (out.length < limit) {
    const next = schedule.next(cursor);
    if (!next || next.getTime() > until.getTime()) break;
    out.push(next);
    cursor = next;
  }
  return out;
}
