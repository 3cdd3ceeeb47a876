import { describe, expect, test } from "bun:test";
import {
  deployCommands,
  deploymentDuration,
  fillMinutes,
  formatDuration,
  isInProgress,
  relativeTime,
  showBidiControls,
  statusTone,
  summarizeMetrics,
} from "./format.ts";

describe("dashboard formatting", () => {
  test("deploy commands use the console origin the browser reached", () => {
    expect(deployCommands("http://203.0.113.7:7070", "shop", "pier_abc")).toEqual({
      gitRemote: "git remote add pier http://x:pier_abc@203.0.113.7:7070/git/shop.git",
      gitPush: "git push pier main",
      cli: "pier deploy --app shop",
    });
    expect(deployCommands("https://pier.example.com", "blog").gitRemote).toBe(
      "git remote add pier https://x:TOKEN@pier.example.com/git/blog.git",
    );
  });

  test("status tones and in-progress detection", () => {
    expect(statusTone("live")).toBe("ok");
    expect(statusTone("failed")).toBe("bad");
    expect(statusTone("building")).toBe("warn");
    expect(statusTone("superseded")).toBe("muted");
    expect(isInProgress("deploying")).toBe(true);
    expect(isInProgress("live")).toBe(false);
  });

  test("durations and relative times", () => {
    expect(formatDuration(420)).toBe("420 ms");
    expect(formatDuration(4200)).toBe("4.2 s");
    expect(formatDuration(95_000)).toBe("1 min 35 s");
    const now = Date.parse("2026-01-01T00:10:00Z");
    expect(deploymentDuration("2026-01-01T00:09:00Z", null, now)).toBe("1 min 0 s");
    expect(deploymentDuration(null, null, now)).toBe("–");
    expect(relativeTime("2026-01-01T00:07:00Z", now)).toBe("3 min ago");
    expect(relativeTime(null, now)).toBe("never");
  });

  test("metric minutes are filled to the whole range, points outside it dropped", () => {
    const now = Date.parse("2026-01-01T10:30:20Z");
    const point = {
      requests: 5,
      status2xx: 5,
      status3xx: 0,
      status4xx: 0,
      status5xx: 0,
      p50Ms: 1,
      p95Ms: 2,
      p99Ms: 3,
    };
    const filled = fillMinutes(
      [
        { ...point, minute: "2026-01-01T10:29:00.000Z" },
        { ...point, minute: "2026-01-01T09:00:00.000Z" },
      ],
      3,
      now,
    );
    expect(filled.map((p) => new Date(p.minute).toISOString().slice(11, 16))).toEqual([
      "10:28",
      "10:29",
      "10:30",
    ]);
    expect(filled.map((p) => p.requests)).toEqual([0, 5, 0]);
    expect(filled[0]!.p95Ms).toBeNull();
  });

  test("metric summary takes the worst p95 and counts 5xx as errors", () => {
    const point = (requests: number, s5: number, p95: number | null) => ({
      minute: 0,
      requests,
      status2xx: requests - s5,
      status3xx: 0,
      status4xx: 0,
      status5xx: s5,
      p50Ms: null,
      p95Ms: p95,
      p99Ms: null,
    });
    expect(summarizeMetrics([point(100, 0, 12), point(300, 4, 80), point(0, 0, null)])).toEqual({
      requests: 400,
      perMinute: 400 / 3,
      errorRate: 0.01,
      p95Ms: 80,
    });
    expect(summarizeMetrics([]).p95Ms).toBeNull();
  });
});

describe("showBidiControls", () => {
  test("overrides and isolates are shown, not obeyed; other text is kept", () => {
    expect(showBidiControls("\u202Eexe.txt")).toBe("⟨U+202E⟩exe.txt");
    expect(showBidiControls("a\u2066b\u2069c\u200F")).toBe("a⟨U+2066⟩b⟨U+2069⟩c⟨U+200F⟩");
    expect(showBidiControls("שלום world — ok")).toBe("שלום world — ok");
  });
});
