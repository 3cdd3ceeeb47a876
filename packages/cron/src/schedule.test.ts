import { describe, expect, test } from "bun:test";
import { dueTimes, parseSchedule, ScheduleError } from "./schedule.ts";

const iso = (d: Date | null) => d?.toISOString() ?? null;

describe("parseSchedule", () => {
  test("five fields in UTC by default", () => {
    const daily = parseSchedule("0 7 * * *");
    expect(iso(daily.next(new Date("2030-01-01T06:59:59Z")))).toBe("2030-01-01T07:00:00.000Z");
    expect(iso(daily.next(new Date("2030-01-01T07:00:00Z")))).toBe("2030-01-02T07:00:00.000Z");
  });

  test("a time zone moves the UTC instant with daylight saving time", () => {
    const daily = parseSchedule("0 7 * * *", { timezone: "Europe/Berlin" });
    expect(iso(daily.next(new Date("2030-01-10T00:00:00Z")))).toBe("2030-01-10T06:00:00.000Z");
    expect(iso(daily.next(new Date("2030-07-10T00:00:00Z")))).toBe("2030-07-10T05:00:00.000Z");
  });

  test("spring forward: a time that does not exist that day runs once, at the shifted hour", () => {
    // 2030-03-31 02:00 Berlin jumps to 03:00; 02:30 does not exist.
    const s = parseSchedule("30 2 * * *", { timezone: "Europe/Berlin" });
    const runs = dueTimes(s, new Date("2030-03-30T00:00:00Z"), new Date("2030-04-01T23:59:59Z"));
    expect(runs.map(iso)).toEqual([
      "2030-03-30T01:30:00.000Z",
      "2030-03-31T01:00:00.000Z",
      "2030-04-01T00:30:00.000Z",
    ]);
  });

  test("fall back: a time that happens twice that day runs once", () => {
    // 2030-10-27 03:00 Berlin goes back to 02:00; 02:30 happens twice.
    const s = parseSchedule("30 2 * * *", { timezone: "Europe/Berlin" });
    const runs = dueTimes(s, new Date("2030-10-26T00:00:00Z"), new Date("2030-10-28T23:59:59Z"));
    expect(runs).toHaveLength(3);
    expect(runs.map(iso)[1]).toBe("2030-10-27T00:30:00.000Z");
  });

  test("hourly jobs keep every real hour across the fall-back night", () => {
    const s = parseSchedule("0 * * * *", { timezone: "America/New_York" });
    // 2030-11-03 02:00 EDT goes back to 01:00 EST: 01:00 local happens twice.
    const runs = dueTimes(s, new Date("2030-11-03T04:30:00Z"), new Date("2030-11-03T08:30:00Z"));
    expect(runs.map(iso)).toEqual([
      "2030-11-03T05:00:00.000Z",
      "2030-11-03T06:00:00.000Z",
      "2030-11-03T07:00:00.000Z",
      "2030-11-03T08:00:00.000Z",
    ]);
  });

  test("refuses the wrong number of fields, bad values and unknown time zones", () => {
    expect(() => parseSchedule("* * * *")).toThrow(ScheduleError);
    expect(() => parseSchedule("*/5 * * * * *")).toThrow(/has 6 fields/);
    expect(() => parseSchedule("61 * * * *")).toThrow(/not a valid schedule/);
    expect(() => parseSchedule("0 7 * * *", { timezone: "Mars/Olympus" })).toThrow(/unknown time zone/);
  });

  test("seconds only when allowed (the end-to-end tests)", () => {
    const s = parseSchedule("*/2 * * * * *", { seconds: true });
    expect(iso(s.next(new Date("2030-01-01T00:00:00.500Z")))).toBe("2030-01-01T00:00:02.000Z");
  });
});

describe("dueTimes", () => {
  test("every time in (after, until], oldest first, bounded", () => {
    const s = parseSchedule("*/15 * * * *");
    const runs = dueTimes(s, new Date("2030-01-01T00:00:00Z"), new Date("2030-01-01T01:00:00Z"));
    expect(runs.map(iso)).toEqual([
      "2030-01-01T00:15:00.000Z",
      "2030-01-01T00:30:00.000Z",
      "2030-01-01T00:45:00.000Z",
      "2030-01-01T01:00:00.000Z",
    ]);
    expect(dueTimes(s, new Date("2030-01-01T00:00:00Z"), new Date("2030-01-02T00:00:00Z"), 2)).toHaveLength(
      2,
    );
  });
});
