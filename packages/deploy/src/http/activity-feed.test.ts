import { describe, expect, test } from "bun:test";
import { ActivityFeed } from "./activity-feed.ts";

/** A feed whose loads answer the values of `answers` in turn (the last one again once they run out). */
function feed(answers: string[], intervalMs = 20) {
  let loads = 0;
  const errors: unknown[] = [];
  const activity = new ActivityFeed(
    async () => answers[Math.min(loads++, answers.length - 1)]!,
    (error) => errors.push(error),
    intervalMs,
  );
  return { activity, errors, loads: () => loads };
}

describe("ActivityFeed", () => {
  test("passes on only what changed, to every listener", async () => {
    const { activity } = feed(["a", "a", "b"], 10);
    const first: string[] = [];
    const second: string[] = [];
    const stopFirst = activity.subscribe((json) => first.push(json));
    const stopSecond = activity.subscribe((json) => second.push(json));
    for (let i = 0; i < 100 && !first.includes("b"); i++) await Bun.sleep(10);
    await Bun.sleep(30);
    stopFirst();
    stopSecond();
    expect(first).toEqual(["a", "b"]);
    expect(second).toEqual(["a", "b"]);
  });

  test("one load per interval however many listen", async () => {
    const { activity, loads } = feed(["a"], 60_000);
    const stops = [1, 2, 3].map(() => activity.subscribe(() => {}));
    await Bun.sleep(5);
    for (const stop of stops) stop();
    expect(loads()).toBe(1);
  });

  test("a listener that joins gets the latest at once; nothing is loaded while nobody listens", async () => {
    const { activity, loads } = feed(["a", "b"]);
    const early: string[] = [];
    const stopEarly = activity.subscribe((json) => early.push(json));
    await Bun.sleep(5);
    const late: string[] = [];
    const stopLate = activity.subscribe((json) => late.push(json));
    expect(late).toEqual(["a"]);
    stopEarly();
    stopLate();
    const idle = loads();
    await Bun.sleep(60);
    expect(loads()).toBe(idle);
  });

  test("a failed load is reported and the next interval tries again", async () => {
    let calls = 0;
    const errors: unknown[] = [];
    const activity = new ActivityFeed(
      async () => {
        if (++calls === 1) throw new Error("database busy");
        return "ok";
      },
      (error) => errors.push(error),
      10,
    );
    const seen: string[] = [];
    const stop = activity.subscribe((json) => seen.push(json));
    for (let i = 0; i < 50 && seen.length === 0; i++) await Bun.sleep(10);
    stop();
    expect((errors[0] as Error).message).toBe("database busy");
    expect(seen).toEqual(["ok"]);
  });
});
