import { expect, test } from "bun:test";
import { compactNumber, percentChange } from "./chart-format.ts";

test("axis numbers stay short", () => {
  expect(compactNumber(0)).toBe("0");
  expect(compactNumber(0.25)).toBe("0.3");
  expect(compactNumber(950)).toBe("950");
  expect(compactNumber(1234)).toBe("1.2k");
  expect(compactNumber(2_500_000)).toBe("2.5M");
});

test("change against the previous period, none from nothing", () => {
  expect(percentChange(150, 100)).toBe(50);
  expect(percentChange(50, 200)).toBe(-75);
  expect(percentChange(0, 0)).toBe(0);
  expect(percentChange(5, 0)).toBeNull();
});
