import { expect, test } from "bun:test";
import { replacementBackoffMs } from "./liveness.ts";

test("replacements in a row back off: at once, then 30 s doubling up to 10 minutes", () => {
  expect(replacementBackoffMs(0)).toBe(0);
  expect(replacementBackoffMs(1)).toBe(30_000);
  expect(replacementBackoffMs(2)).toBe(60_000);
  expect(replacementBackoffMs(3)).toBe(120_000);
  expect(replacementBackoffMs(10)).toBe(600_000);
});
