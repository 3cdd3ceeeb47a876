import { describe, expect, test } from "bun:test";
import { longestFirst, summary } from "./test-e2e-plan.ts";

describe("e2e plan", () => {
  test("largest files start first, ties by name", () => {
    expect(
      longestFirst([
        { file: "b.ts", size: 10 },
        { file: "a.ts", size: 10 },
        { file: "big.ts", size: 900 },
        { file: "small.ts", size: 1 },
      ]),
    ).toEqual(["big.ts", "a.ts", "b.ts", "small.ts"]);
  });

  test("the summary fails when any file failed and names it", () => {
    const ok = summary(
      [
        { file: "x.ts", code: 0, seconds: 3 },
        { file: "y.ts", code: 0, seconds: 9 },
      ],
      10,
    );
    expect(ok.failed).toBe(false);
    expect(ok.text).toContain("2 of 2 files passed in 10 s (12 s of suites)");
    expect(ok.text.indexOf("y.ts")).toBeLessThan(ok.text.indexOf("x.ts"));

    const bad = summary(
      [
        { file: "x.ts", code: 0, seconds: 3 },
        { file: "z.ts", code: 1, seconds: 5 },
      ],
      6,
    );
    expect(bad.failed).toBe(true);
    expect(bad.text).toContain("FAIL  z.ts");
    expect(bad.text).toContain("failed: z.ts");
  });

  test("a failed file's digest (its fail lines and errors) comes before the closing line", () => {
    const output = [
      "test/e2e/z.ts:",
      "(pass) fine",
      "error: expect(received).toBe(expected)",
      "",
      "Expected: 200",
      "Received: 502",
      "      at <anonymous> (test/e2e/z.ts:12:5)",
      "(fail) dashboard > deploys an image [4001.00ms]",
      " 1 pass",
    ].join("\n");
    const bad = summary([{ file: "z.ts", code: 1, seconds: 5, output }], 6);
    const tail = bad.text.slice(bad.text.indexOf("--- z.ts:"));
    expect(tail).toContain("(fail) dashboard > deploys an image");
    expect(tail).toContain("Received: 502");
    expect(tail).not.toContain("(pass) fine");
    expect(tail.trimEnd().endsWith("failed: z.ts")).toBe(true);
  });
});
