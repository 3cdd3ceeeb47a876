import { expect, test } from "bun:test";
import { isNewerRelease, statusAfterEvent } from "./issue-status.ts";

const seen = new Map([
  ["dep_old", 1000],
  ["dep_new", 2000],
]);
const firstSeen = (r: string) => seen.get(r);

test("version numbers compare as versions, deployment ids by first sighting", () => {
  expect(isNewerRelease("app@1.10.0", "app@1.9.3", firstSeen)).toBe(true);
  expect(isNewerRelease("1.2.0", "1.10.0", firstSeen)).toBe(false);
  expect(isNewerRelease("dep_new", "dep_old", firstSeen)).toBe(true);
  expect(isNewerRelease("dep_old", "dep_new", firstSeen)).toBe(false);
  expect(isNewerRelease("never_seen", "dep_old", firstSeen)).toBe(true);
  expect(isNewerRelease("dep_old", "dep_old", firstSeen)).toBe(false);
});

test("a resolved issue regresses only on a newer release; ignored stays ignored", () => {
  const resolved = { status: "resolved" as const, substatus: null, resolvedInRelease: "1.0.0" };
  expect(statusAfterEvent(resolved, "1.0.0", firstSeen)).toMatchObject({
    status: "resolved",
    regressed: false,
  });
  expect(statusAfterEvent(resolved, null, firstSeen).regressed).toBe(false);
  expect(statusAfterEvent(resolved, "1.0.1", firstSeen)).toMatchObject({
    status: "unresolved",
    substatus: "regressed",
    regressed: true,
  });
  const noRelease = { status: "resolved" as const, substatus: null, resolvedInRelease: null };
  expect(statusAfterEvent(noRelease, null, firstSeen).regressed).toBe(true);
  const ignored = { status: "ignored" as const, substatus: null, resolvedInRelease: null };
  expect(statusAfterEvent(ignored, "9.9.9", firstSeen)).toMatchObject({
    status: "ignored",
    regressed: false,
  });
  const fresh = { status: "unresolved" as const, substatus: "new" as const, resolvedInRelease: null };
  expect(statusAfterEvent(fresh, null, firstSeen).substatus).toBe("ongoing");
});
