import { expect, test } from "bun:test";
import { dayTone, statusBanner } from "./uptime-types.ts";

test("day bars: unchecked, clean, a few failures, many", () => {
  expect(dayTone({ checks: 0, failures: 0 })).toBe("none");
  expect(dayTone({ checks: 1440, failures: 0 })).toBe("ok");
  expect(dayTone({ checks: 1440, failures: 3 })).toBe("warn");
  expect(dayTone({ checks: 100, failures: 5 })).toBe("bad");
});

test("status page banner words match the public page", () => {
  expect(statusBanner(["up", "up"]).text).toBe("All systems operational");
  expect(statusBanner(["up", "down"]).text).toBe("Partial outage");
  expect(statusBanner(["down", "paused"]).text).toBe("Major outage");
  expect(statusBanner(["paused"]).text).toBe("Status unknown");
});
