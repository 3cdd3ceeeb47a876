import { expect, test } from "bun:test";
import { expiredBackups, nextRun, parseSchedule } from "./schedule.ts";

test("parses the schedules people write, refuses the rest", () => {
  expect(parseSchedule("daily 03:00")).toEqual({ kind: "daily", minute: 180 });
  expect(parseSchedule("Daily")).toEqual({ kind: "daily", minute: 0 });
  expect(parseSchedule("hourly")).toEqual({ kind: "every", ms: 3_600_000 });
  expect(parseSchedule("every 6h")).toEqual({ kind: "every", ms: 6 * 3_600_000 });
  expect(parseSchedule("every 30 minutes")).toEqual({ kind: "every", ms: 30 * 60_000 });
  expect(parseSchedule("weekly sunday 04:30")).toEqual({ kind: "weekly", day: 0, minute: 270 });
  for (const bad of ["daily 25:00", "every 5m", "sometimes", "weekly xyz 01:00", "daily 3"])
    expect(parseSchedule(bad)).toBeNull();
});

test("next run: later today, tomorrow, the right weekday, or an interval after the last run", () => {
  const at = new Date("2026-03-04T02:00:00Z"); // a Wednesday
  expect(nextRun(parseSchedule("daily 03:00")!, at).toISOString()).toBe("2026-03-04T03:00:00.000Z");
  expect(nextRun(parseSchedule("daily 01:00")!, at).toISOString()).toBe("2026-03-05T01:00:00.000Z");
  expect(nextRun(parseSchedule("weekly sun 03:00")!, at).toISOString()).toBe("2026-03-08T03:00:00.000Z");
  const last = new Date("2026-03-04T01:30:00Z");
  expect(nextRun(parseSchedule("every 1h")!, at, last).toISOString()).toBe("2026-03-04T02:30:00.000Z");
});

test("keep N: the oldest successful backups beyond N go; failed ones are not counted", () => {
  const row = (day: number, status = "ok") => ({ status, startedAt: new Date(Date.UTC(2026, 0, day)) });
  const rows = [row(1), row(2), row(3, "failed"), row(4), row(5)];
  expect(expiredBackups(rows, 2).map((r) => r.startedAt.getUTCDate())).toEqual([2, 1]);
  expect(expiredBackups(rows, 0)).toHaveLength(3);
});
