import { expect, test } from "bun:test";
import { checkMinuteLimits, MinuteWindow } from "./minute-window.ts";

test("requests per minute: the limit holds for 60 s, Retry-After counts down to the oldest slot", () => {
  const window = new MinuteWindow();
  const t0 = 1_000_000_000;
  window.add(t0, 1, 0);
  window.add(t0 + 10_000, 1, 0);
  expect(checkMinuteLimits(window, { requestsPerMinute: 2 }, t0 + 20_000)).toEqual({
    limit: "requests",
    retryAfterSeconds: 40,
  });
  // the first request leaves the window after 60 s
  expect(checkMinuteLimits(window, { requestsPerMinute: 2 }, t0 + 60_500)).toBeUndefined();
});

test("tokens per minute and no limits", () => {
  const window = new MinuteWindow();
  window.add(5_000, 1, 900);
  expect(checkMinuteLimits(window, { tokensPerMinute: 1000 }, 6_000)).toBeUndefined();
  window.add(6_000, 0, 200);
  expect(checkMinuteLimits(window, { tokensPerMinute: 1000 }, 7_000)?.limit).toBe("tokens");
  expect(checkMinuteLimits(window, {}, 7_000)).toBeUndefined();
});

test("a slot reused a minute later starts from zero", () => {
  const window = new MinuteWindow();
  window.add(0, 5, 0);
  window.add(60_000, 1, 0);
  expect(window.totals(60_000).requests).toBe(1);
});
