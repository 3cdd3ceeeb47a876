import { expect, test } from "bun:test";
import { graceMs, planTick } from "./plan.ts";
import { parseSchedule } from "./schedule.ts";

const at = (iso: string) => new Date(iso);
const daily = parseSchedule("0 7 * * *");
const minutely = parseSchedule("* * * * *");

test("nothing due: nothing to do", () => {
  expect(planTick(daily, at("2030-01-01T07:00:00Z"), at("2030-01-01T12:00:00Z"), false)).toEqual({
    run: null,
    advanceTo: null,
    missed: 0,
  });
});

test("a time just passed runs, and the position moves to it", () => {
  const plan = planTick(daily, at("2030-01-01T07:00:00Z"), at("2030-01-02T07:00:00.300Z"), false);
  expect(plan.run).toEqual({ scheduledAt: at("2030-01-02T07:00:00Z"), trigger: "schedule" });
  expect(plan.advanceTo).toEqual(at("2030-01-02T07:00:00Z"));
});

test("pier was down at 07:00: without catch_up the run is let go, with it one run makes up", () => {
  const last = at("2030-01-01T07:00:00Z");
  const now = at("2030-01-03T09:30:00Z");
  expect(planTick(daily, last, now, false)).toEqual({
    run: null,
    advanceTo: at("2030-01-03T07:00:00Z"),
    missed: 2,
  });
  expect(planTick(daily, last, now, true)).toEqual({
    run: { scheduledAt: at("2030-01-03T07:00:00Z"), trigger: "catch_up" },
    advanceTo: at("2030-01-03T07:00:00Z"),
    missed: 1,
  });
});

test("the grace is a minute, or half the period for frequent schedules, at least a tick and a half", () => {
  expect(graceMs(daily, at("2030-01-01T07:00:00Z"))).toBe(60_000);
  expect(graceMs(minutely, at("2030-01-01T07:00:00Z"))).toBe(30_000);
  expect(graceMs(parseSchedule("* * * * * *", { seconds: true }), at("2030-01-01T07:00:00Z"))).toBe(1500);
  // 40 s late for an every-minute job: missed, and the position still moves past it.
  const plan = planTick(minutely, at("2030-01-01T07:00:00Z"), at("2030-01-01T07:01:40Z"), false);
  expect(plan.run).toBeNull();
  expect(plan.advanceTo).toEqual(at("2030-01-01T07:01:00Z"));
});
