import { expect, test } from "bun:test";
import { normaliseDockerTime, splitDockerLine, stampSeconds } from "./docker-timestamp.ts";

test("stamps are padded to nine fraction digits and then compare in time order", () => {
  const a = normaliseDockerTime("2026-12-07T06:12:15.1Z")!;
  const b = normaliseDockerTime("2026-12-07T06:12:15.09Z")!;
  const c = normaliseDockerTime("2026-12-07T06:12:15Z")!;
  expect(a).toBe("2026-12-07T06:12:15.100000000Z");
  expect(c < b && b < a).toBe(true);
  expect(normaliseDockerTime("yesterday")).toBeNull();
});

test("splitDockerLine takes the stamp off and keeps the rest of the line as written", () => {
  const split = splitDockerLine("2026-12-07T06:12:15.123456789Z  two spaces kept");
  expect(split.stamp).toBe("2026-12-07T06:12:15.123456789Z");
  expect(split.ms).toBe(Date.parse("2026-12-07T06:12:15.123Z"));
  expect(split.line).toBe(" two spaces kept");
  expect(splitDockerLine("no stamp here").stamp).toBeNull();
  expect(stampSeconds(split.stamp!)).toBe(Date.parse("2026-12-07T06:12:15Z") / 1000);
});
