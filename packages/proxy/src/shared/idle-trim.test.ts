import { describe, expect, test } from "bun:test";
import { IdleTrim } from "./idle-trim.ts";

function steps(trim: IdleTrim, counts: number[]) {
  return counts.map((n) => trim.check(n));
}

describe("IdleTrim", () => {
  test("a thread that never served anything never trims", () => {
    expect(steps(new IdleTrim(2, 4), [0, 0, 0, 0, 0, 0]).every((s) => s === null)).toBe(true);
  });

  test("collects once after the quiet checks, shrinks once later, then waits for traffic", () => {
    const trim = new IdleTrim(2, 4);
    expect(steps(trim, [5, 9, 9, 9, 9, 9, 9, 9, 9])).toEqual([
      null,
      null,
      null,
      "collect",
      null,
      "shrink",
      null,
      null,
      null,
    ]);
  });

  test("traffic before the shrink starts the count again", () => {
    const trim = new IdleTrim(2, 4);
    expect(steps(trim, [1, 1, 1, 2, 2, 2, 2, 2])).toEqual([
      null,
      null,
      "collect",
      null,
      null,
      "collect",
      null,
      "shrink",
    ]);
  });
});
