import { expect, test } from "bun:test";
import { fillBuckets, issueBadge } from "./errors-types.ts";

test("issue badges: regressed stands out, resolved and ignored fade", () => {
  expect(issueBadge({ status: "unresolved", substatus: "regressed" })).toEqual({
    label: "regressed",
    tone: "bad",
  });
  expect(issueBadge({ status: "unresolved", substatus: "ongoing" }).label).toBe("unresolved");
  expect(issueBadge({ status: "resolved", substatus: null }).tone).toBe("ok");
  expect(issueBadge({ status: "ignored", substatus: null }).tone).toBe("muted");
});

test("histogram buckets are filled with zeros up to now", () => {
  const filled = fillBuckets(
    { period: "1h", bucketMs: 60_000, since: 0, buckets: [{ start: 120_000, count: 4 }] },
    240_000,
  );
  expect(filled.map((b) => b.count)).toEqual([0, 0, 4, 0, 0]);
});
