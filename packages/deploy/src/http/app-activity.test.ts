import { expect, test } from "bun:test";
import { diffEnvVersions, envVersions } from "../engine/env-vars.ts";
import { parseCommits } from "../git-history.ts";
import { bucketCounts, bucketMinutesFor } from "./app-activity.ts";

const minute = 60_000;

test("requests are summed into buckets ending with the current one; older and future minutes are left out", () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 30);
  const at = (minutesAgo: number) => new Date(Math.floor(now / minute) * minute - minutesAgo * minute);
  const counts = bucketCounts(
    [
      { minute: at(0), requests: 3 },
      { minute: at(5), requests: 2 },
      { minute: at(35), requests: 7 },
      { minute: at(24 * 60), requests: 100 },
      { minute: new Date(now + 3_600_000), requests: 100 },
    ],
    48,
    30 * minute,
    now,
  );
  expect(counts).toHaveLength(48);
  expect(counts.at(-1)).toBe(3);
  expect(counts.at(-2)).toBe(2);
  expect(counts.at(-3)).toBe(7);
  expect(counts.reduce((a, b) => a + b, 0)).toBe(12);
  expect(bucketMinutesFor(24)).toBe(30);
  expect(bucketMinutesFor(1)).toBe(1);
});

test("env versions take the environment's override over the app-wide value, and diff by key", () => {
  const rows = [
    { key: "A", environment: "", updatedAt: new Date(1) },
    { key: "B", environment: "", updatedAt: new Date(2) },
    { key: "B", environment: "production", updatedAt: new Date(3) },
    { key: "C", environment: "preview-x", updatedAt: new Date(4) },
  ];
  const production = envVersions(rows, "production");
  expect(production).toEqual({ A: 1, B: 3 });
  expect(diffEnvVersions(production, { A: 1, B: 5, D: 9 })).toEqual({
    added: ["D"],
    removed: [],
    changed: ["B"],
  });
  expect(diffEnvVersions({ A: 1, Z: 2 }, { A: 1 })).toEqual({ added: [], removed: ["Z"], changed: [] });
});

test("git log records are split on NUL and the record separator, subjects may hold anything else", () => {
  const text =
    "abc\x00Ann\x002026-01-01T00:00:00Z\x00fix: a | b; c\x1e\ndef\x00Bob\x002026-01-02T00:00:00Z\x00\x1e\n";
  expect(parseCommits(text)).toEqual([
    { sha: "abc", author: "Ann", date: "2026-01-01T00:00:00Z", subject: "fix: a | b; c" },
    { sha: "def", author: "Bob", date: "2026-01-02T00:00:00Z", subject: "" },
  ]);
  expect(parseCommits("main\x00abc\x00Ann\x00d\x00s\x1e", true)).toEqual([
    { branch: "main", sha: "abc", author: "Ann", date: "d", subject: "s" },
  ]);
});
