import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { seededRandom } from "@pier/testkit";
import { type Level, levelRank } from "../level.ts";
import type { LogRecord, StoredLogRecord } from "../log-record.ts";
import { type LogQuery, likePattern, trigramPhrase } from "./log-query.ts";
import { searchStatement } from "./search-statement.ts";
import { SqliteLogStore } from "./sqlite-store.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "pier-logs-search-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The search as it was written before the index walk: the plain join, sorted by l.id. */
function plainSearch(store: SqliteLogStore, q: LogQuery): number[] {
  const where: string[] = ["l.app = ?"];
  const args: (string | number)[] = [q.app];
  let from = "log_lines l";
  const add = (clause: string, ...values: (string | number)[]) => {
    where.push(clause);
    args.push(...values);
  };
  if (q.grep) {
    const phrase = trigramPhrase(q.grep);
    if (phrase) {
      from = "log_text f JOIN log_lines l ON l.id = f.rowid";
      where.unshift("log_text MATCH ?");
      args.unshift(phrase);
    } else add("l.line LIKE ? ESCAPE '\\'", likePattern(q.grep));
  }
  if (q.env !== undefined) add("l.env = ?", q.env);
  if (q.release !== undefined) add("l.release = ?", q.release);
  if (q.replica !== undefined) add("l.replica = ?", q.replica);
  if (q.stream !== undefined) add("l.stream = ?", q.stream);
  if (q.level !== undefined) add("l.level >= ?", levelRank(q.level));
  if (q.since !== undefined) add("l.ts >= ?", q.since);
  if (q.until !== undefined) add("l.ts < ?", q.until);
  if (q.afterId !== undefined) add("l.id > ?", q.afterId);
  if (q.beforeId !== undefined) add("l.id < ?", q.beforeId);
  const order = q.afterId !== undefined ? "ASC" : "DESC";
  const rows = store.db
    .query(`SELECT l.id FROM ${from} WHERE ${where.join(" AND ")} ORDER BY l.id ${order} LIMIT ?`)
    .all(...args, q.limit) as { id: number }[];
  return rows.map((r) => r.id);
}

const pick = <T>(r: () => number, items: readonly T[]): T => items[Math.floor(r() * items.length)]!;
const words = ["checkout", "card_declined", "GET /cart", "refund", "timeout", "Cache MISS", 'say "hi"'];
const levels: (Level | null)[] = [null, "debug", "info", "info", "warn", "error"];

/** Lines of 3 apps whose times run forward with jitter, and a few stamped long before or after. */
function generatedLines(r: () => number, count: number): LogRecord[] {
  const lines: LogRecord[] = [];
  for (let i = 0; i < count; i++) {
    let ts = 1_000_000 + i * 100 + Math.floor(r() * 2_000);
    if (r() < 0.03) ts += Math.floor((r() - 0.5) * 300_000);
    const text = Array.from({ length: 1 + Math.floor(r() * 3) }, () => pick(r, words)).join(" ");
    lines.push({
      ts,
      app: pick(r, ["web", "web", "api", "worker"]),
      env: pick(r, ["production", "staging"]),
      release: `dep_${Math.floor((i / count) * 3)}`,
      replica: `production/${i % 2}`,
      stream: pick(r, ["stdout", "stderr", "otlp"] as const),
      level: pick(r, levels),
      line: r() < 0.005 ? `needle-${i} ${text}` : `${text} req=${i}`,
      attrs: null,
    });
  }
  return lines;
}

function randomQuery(r: () => number, first: number, last: number): LogQuery {
  const q: LogQuery = { app: pick(r, ["web", "api", "worker"]), limit: pick(r, [1, 3, 20, 200, 5000]) };
  const grep = [
    "checkout",
    "card_DECL",
    "needle",
    "needle-12",
    "req=1",
    "ca",
    "MISS",
    '"hi"',
    "nowhere at all",
  ];
  if (r() < 0.85) q.grep = pick(r, grep);
  // Mostly recent times, where the bound from `since` is taken; sometimes far back, where it is not.
  const back = () => Math.floor(r() ** 3 * (last - first + 300_000));
  if (r() < 0.5) q.since = last - back();
  if (r() < 0.2) q.until = last - back() + 50_000;
  if (r() < 0.25) q.level = pick(r, ["info", "warn", "error"] as const);
  if (r() < 0.15) q.release = pick(r, ["dep_0", "dep_1", "dep_2"]);
  if (r() < 0.1) q.env = "staging";
  if (r() < 0.1) q.stream = "stderr";
  const ids = () => Math.floor(r() * 3_200);
  const paging = r();
  if (paging < 0.2) q.afterId = ids();
  else if (paging < 0.4) q.beforeId = ids();
  return q;
}

describe("search through the text index", () => {
  test("gives exactly the rows of the plain join, in the same order", () => {
    // A small bound scan, so `since` is answered both with and without an id bound.
    const store = new SqliteLogStore(join(dir, "logs.db"), { sinceBoundScan: 40 });
    try {
      const r = seededRandom(7);
      const lines = generatedLines(r, 3_000);
      for (let at = 0; at < lines.length; at += 250) store.insert(lines.slice(at, at + 250));
      // Gaps in the ids and tombstones in the index, as retention leaves them.
      store.db.run("DELETE FROM log_lines WHERE id % 13 = 0 OR id < 40");
      const times = lines.map((l) => l.ts);
      const [first, last] = [Math.min(...times), Math.max(...times)];
      let nonEmpty = 0;
      for (let i = 0; i < 200; i++) {
        const q = randomQuery(r, first, last);
        const expected = plainSearch(store, q);
        const got = store.search(q);
        expect({ q, ids: got.map((l: StoredLogRecord) => l.id) }).toEqual({ q, ids: expected });
        if (expected.length > 0) nonEmpty++;
      }
      expect(nonEmpty).toBeGreaterThan(80);
    } finally {
      store.close();
    }
  }, 30_000);

  test("walks the index in id order from its bounds, without sorting what it found", () => {
    const store = new SqliteLogStore(join(dir, "logs.db"));
    try {
      const plan = (q: LogQuery, lowestId?: number) => {
        const { sql, args } = searchStatement(q, lowestId);
        return (store.db.query(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[])
          .map((row) => row.detail)
          .join("; ");
      };
      const newest = plan({ app: "web", grep: "card_declined", since: 5, level: "warn", limit: 200 }, 9);
      expect(newest).toStartWith("SCAN f VIRTUAL TABLE");
      expect(newest).not.toContain("TEMP B-TREE");
      const follow = plan({ app: "web", grep: "checkout", afterId: 1_000, limit: 200 });
      expect(follow).toStartWith("SCAN f VIRTUAL TABLE");
      expect(follow).not.toContain("TEMP B-TREE");
    } finally {
      store.close();
    }
  });
});
