import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LogRecord } from "../log-record.ts";
import { SqliteLogStore } from "./sqlite-store.ts";

let dir: string;
let store: SqliteLogStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "pier-logs-"));
  store = new SqliteLogStore(join(dir, "logs.db"));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const line = (over: Partial<LogRecord>): LogRecord => ({
  ts: 1_000,
  app: "web",
  env: "production",
  release: "dep_1",
  replica: "production/0",
  stream: "stdout",
  level: null,
  line: "hello",
  attrs: null,
  ...over,
});

describe("SqliteLogStore.search", () => {
  test("newest first, narrowed by app, release, level and time", () => {
    store.insert([
      line({ ts: 1_000, line: "started" }),
      line({ ts: 2_000, line: "ERROR: db down", level: "error" }),
      line({ ts: 3_000, line: "warn: slow", level: "warn", release: "dep_2" }),
      line({ ts: 4_000, line: "other app", app: "api" }),
    ]);
    expect(store.search({ app: "web", limit: 10 }).map((l) => l.line)).toEqual([
      "warn: slow",
      "ERROR: db down",
      "started",
    ]);
    expect(store.search({ app: "web", limit: 10, release: "dep_1" })).toHaveLength(2);
    expect(store.search({ app: "web", limit: 10, level: "warn" }).map((l) => l.level)).toEqual([
      "warn",
      "error",
    ]);
    expect(store.search({ app: "web", limit: 10, level: "error" })).toHaveLength(1);
    expect(store.search({ app: "web", limit: 10, since: 2_000, until: 3_000 }).map((l) => l.ts)).toEqual([
      2_000,
    ]);
    expect(store.search({ app: "web", limit: 1 })[0]!.line).toBe("warn: slow");
  });

  test("grep is a case-insensitive substring, through the index or LIKE, syntax taken literally", () => {
    store.insert([
      line({ line: "GET /users 200" }),
      line({ line: "database ERROR code=57P01" }),
      line({ line: 'quote "x" AND NOT y' }),
      line({ line: "100% done_ok" }),
    ]);
    const grep = (g: string) => store.search({ app: "web", limit: 10, grep: g }).map((l) => l.line);
    expect(grep("error")).toEqual(["database ERROR code=57P01"]);
    expect(grep("57p0")).toEqual(["database ERROR code=57P01"]);
    expect(grep('"x" AND NOT')).toEqual(['quote "x" AND NOT y']);
    expect(grep("ok")).toEqual(["100% done_ok"]);
    expect(grep("%")).toEqual(["100% done_ok"]);
    expect(grep("_o")).toEqual(["100% done_ok"]);
    expect(grep("nothing")).toEqual([]);
  });

  test("afterId gives later lines oldest first; beforeId pages back", () => {
    store.insert([line({ line: "a" }), line({ line: "b" }), line({ line: "c" })]);
    const [c, b] = store.search({ app: "web", limit: 2 });
    expect(store.search({ app: "web", limit: 10, afterId: b!.id }).map((l) => l.line)).toEqual(["c"]);
    expect(store.search({ app: "web", limit: 10, beforeId: b!.id }).map((l) => l.line)).toEqual(["a"]);
    expect(store.lastId()).toBe(c!.id);
  });
});

test("cursors are stored with the lines and forgotten for containers that are gone", () => {
  store.insert([line({})], [{ containerId: "c1", ts: "2026-12-07T06:00:00.000000001Z" }]);
  store.insert([], [{ containerId: "c2", ts: "2026-12-07T06:00:01.000000000Z" }]);
  expect(store.cursors()).toEqual(
    new Map([
      ["c1", "2026-12-07T06:00:00.000000001Z"],
      ["c2", "2026-12-07T06:00:01.000000000Z"],
    ]),
  );
  store.dropCursors(new Set(["c2"]));
  expect([...store.cursors().keys()]).toEqual(["c2"]);
});

describe("prune", () => {
  test("by age, and the index forgets what was dropped", () => {
    store.insert([line({ ts: 1_000, line: "old needle" }), line({ ts: 9_000, line: "new needle" })]);
    expect(store.prune({ maxAgeMs: 5_000, maxBytes: 1e12, now: 10_000 })).toBe(1);
    expect(store.search({ app: "web", limit: 10, grep: "needle" }).map((l) => l.line)).toEqual([
      "new needle",
    ]);
  });

  test("by size: the oldest share of lines by which the file is over goes first", async () => {
    const text = "x".repeat(500);
    for (let batch = 0; batch < 20; batch++)
      store.insert(
        Array.from({ length: 100 }, (_, i) => line({ ts: batch * 100 + i, line: `${i} ${text}` })),
      );
    const before = store.usedBytes();
    const dropped = store.prune({ maxAgeMs: 1e12, maxBytes: before / 2, now: 0, chunk: 100 });
    expect(dropped).toBe(1000);
    const oldest = store.search({ app: "web", limit: 1, afterId: 0 })[0]!;
    expect(oldest.ts).toBe(1000);
    // The next run finds the file within its size once the index has merged the deletions.
    expect(store.prune({ maxAgeMs: 1e12, maxBytes: before, now: 0, chunk: 100 })).toBe(0);
    expect(store.count()).toBe(2000 - dropped);
  });
});
