import { describe, expect, test } from "bun:test";
import { rebuildPlan, relocateStaticRelease } from "./archive/restore-plan.ts";
import { archiveName, parseArchiveName, selectPrunable } from "./format/archive-name.ts";
import { dueSlot, latestSlot, nextSlot, parseSchedule } from "./schedule.ts";

describe("schedule", () => {
  test("parses the forms it documents and refuses others", () => {
    expect(parseSchedule("daily 03:00")).toEqual({ kind: "daily", hour: 3, minute: 0 });
    expect(parseSchedule("  Daily   3:05 ")).toEqual({ kind: "daily", hour: 3, minute: 5 });
    expect(parseSchedule("hourly")).toEqual({ kind: "hourly", minute: 0 });
    expect(parseSchedule("weekly sun 04:30")).toEqual({ kind: "weekly", day: 0, hour: 4, minute: 30 });
    expect(parseSchedule("off")).toEqual({ kind: "off" });
    for (const bad of ["daily 25:00", "daily", "every day", "weekly xyz 03:00", "daily 3pm"])
      expect(parseSchedule(bad)).toBeNull();
  });

  test("slots: the latest at or before now, the next after it (local time)", () => {
    const daily = parseSchedule("daily 03:00")!;
    expect(latestSlot(daily, new Date(2026, 4, 10, 2, 59))).toEqual(new Date(2026, 4, 9, 3, 0));
    expect(latestSlot(daily, new Date(2026, 4, 10, 3, 0))).toEqual(new Date(2026, 4, 10, 3, 0));
    expect(nextSlot(daily, new Date(2026, 4, 10, 3, 1))).toEqual(new Date(2026, 4, 11, 3, 0));
    const weekly = parseSchedule("weekly mon 01:00")!;
    // 2026-05-10 is a Sunday.
    expect(latestSlot(weekly, new Date(2026, 4, 10, 12, 0))).toEqual(new Date(2026, 4, 4, 1, 0));
    expect(latestSlot(parseSchedule("hourly")!, new Date(2026, 4, 10, 12, 34))).toEqual(
      new Date(2026, 4, 10, 12, 0),
    );
  });

  test("a slot is due once, only when it came after the schedule was set", () => {
    const daily = parseSchedule("daily 03:00")!;
    const now = new Date(2026, 4, 10, 9, 0);
    expect(dueSlot(daily, now, new Date(2026, 4, 10, 8, 0), () => false)).toBeNull();
    expect(dueSlot(daily, now, new Date(2026, 4, 9, 8, 0), () => false)).toEqual(new Date(2026, 4, 10, 3, 0));
    expect(dueSlot(daily, now, new Date(2026, 4, 9, 8, 0), () => true)).toBeNull();
  });
});

describe("archive names and prune", () => {
  test("names carry the UTC time and sort; prune keeps the N newest and ignores other files", () => {
    const at = new Date("2026-03-04T05:06:07.089Z");
    expect(archiveName(at, false)).toBe("pier-backup-20260304T050607089Z.tar.gz");
    expect(parseArchiveName(archiveName(at, true))).toEqual({
      name: archiveName(at, true),
      createdAt: at,
      encrypted: true,
    });
    expect(parseArchiveName("notes.txt")).toBeNull();
    const names = [1, 2, 3, 4].map((d) => archiveName(new Date(Date.UTC(2026, 0, d)), d % 2 === 0));
    expect(selectPrunable([...names, "notes.txt", ".pier-backup-x.partial"], 2)).toEqual([
      names[1]!,
      names[0]!,
    ]);
    expect(selectPrunable(names, 10)).toEqual([]);
  });
});

describe("restore plan", () => {
  test("static releases move with the data dir", () => {
    expect(
      relocateStaticRelease(
        "static:spa:/var/lib/pier/static/dep_1",
        { kind: "static", staticDir: "/var/lib/pier/static/dep_1" },
        "/var/lib/pier",
        "/srv/pier",
      ),
    ).toEqual({
      image: "static:spa:/srv/pier/static/dep_1",
      meta: { kind: "static", staticDir: "/srv/pier/static/dep_1" },
    });
    expect(relocateStaticRelease("static:/a/static/x", {}, "/a", "/a")).toBeNull();
  });

  test("each live release says how it comes back", () => {
    const base = { environment: "production", deploymentId: "d", source: "git" };
    expect(
      rebuildPlan([
        { ...base, app: "site", commitSha: null, image: "static:/x", kind: "static" },
        { ...base, app: "api", commitSha: "abc", image: "pier/api:d", kind: "image" },
        { ...base, app: "up", commitSha: null, image: "pier/up:d", kind: "image", source: "upload" },
        { ...base, app: "db", commitSha: null, image: "postgres:16", kind: "image", source: "image" },
      ]).map((p) => p.how),
    ).toEqual(["static", "rebuild-from-git", "redeploy", "image"]);
  });
});
