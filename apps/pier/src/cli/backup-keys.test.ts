import { afterEach, expect, spyOn, test } from "bun:test";
import { progressPrinter } from "./backup-keys.ts";

const printed = spyOn(console, "error").mockImplementation(() => {});
afterEach(() => printed.mockClear());

test("backup progress uses human units and skips a phase's empty first report", () => {
  const progress = progressPrinter("backup");
  progress({ phase: "archive", files: 0, bytes: 0, totalBytes: 600_000 });
  progress({ phase: "archive", files: 1, bytes: 2048, totalBytes: 600_000 });
  expect(printed.mock.calls.map((c) => c[0])).toEqual(["backup (archive): 1 files, 2.0 KB of 586 KB"]);
});
