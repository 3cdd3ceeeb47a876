import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LogQuery, type LogRecord, SqliteLogStore } from "@pier/logs";
import { seededRandom } from "@pier/testkit";

const paths = ["/", "/cart", "/checkout", "/api/orders", "/api/users/42", "/health", "/search?q=shoes"];
const levels = ["info", "info", "info", "info", "info", "info", "debug", "debug", "warn", "error"] as const;

/** A line like an app writes: request logs, JSON records, and rare errors with a unique id. */
function lineOf(i: number, r: () => number): Pick<LogRecord, "line" | "level" | "stream"> {
  const level = levels[Math.floor(r() * levels.length)]!;
  const path = paths[Math.floor(r() * paths.length)]!;
  const ms = Math.floor(r() * 900);
  if (level === "error")
    return {
      level,
      stream: "stderr",
      line: `ERROR payment failed order=${i} code=card_declined trace=${(i * 2654435761).toString(16)}`,
    };
  if (level === "warn")
    return { level, stream: "stdout", line: `WARN slow request ${path} took ${ms + 1000}ms` };
  if (r() < 0.5)
    return {
      level,
      stream: "stdout",
      line: JSON.stringify({ level, msg: "request", method: "GET", path, status: 200, ms, req: i }),
    };
  return { level: null, stream: "stdout", line: `GET ${path} 200 ${ms}ms - req ${i}` };
}

export interface QueryFigures {
  lines: number;
  loadSeconds: number;
  linesPerSecond: number;
  fileMb: number;
  spanDays: number;
  queries: { name: string; medianMs: number; maxMs: number; rows: number }[];
}

/**
 * Loads `count` lines of 4 apps (3 releases each, 2 replicas) spread over `spanDays` into a fresh
 * logs.db through the store's batched insert (the collector's write path), then times searches.
 */
export async function queryBenchmark(count: number, runs: number, spanDays = 7): Promise<QueryFigures> {
  const dir = mkdtempSync(join(tmpdir(), "pier-bench-logs-"));
  const store = new SqliteLogStore(join(dir, "logs.db"));
  try {
    const r = seededRandom(42);
    const now = Date.now();
    const start = now - spanDays * 86_400_000;
    const step = (now - start) / count;
    const apps = ["shop", "api", "blog", "worker"];
    const batch: LogRecord[] = [];
    // One line in the whole set carries this: a search for a request id, a trace id, an order.
    const needleAt = Math.floor(count / 3 / apps.length) * apps.length;
    const began = performance.now();
    for (let i = 0; i < count; i++) {
      const app = apps[i % apps.length]!;
      const release = `dep_${app}_${Math.floor((i / count) * 3)}`;
      batch.push({
        ts: Math.floor(start + i * step),
        app,
        env: "production",
        release,
        replica: `production/${i % 2}`,
        attrs: null,
        ...(i === needleAt
          ? {
              level: "error" as const,
              stream: "stderr" as const,
              line: "ERROR refund failed needle-7f3a9c1e",
            }
          : lineOf(i, r)),
      });
      if (batch.length === 2000) {
        store.insert(batch);
        batch.length = 0;
      }
      if (i % 1_000_000 === 0 && i > 0)
        console.log(
          `  ${i.toLocaleString("en-US")} lines, ${((performance.now() - began) / 1000).toFixed(0)} s`,
        );
    }
    store.insert(batch);
    const loadSeconds = (performance.now() - began) / 1000;
    store.db.run("PRAGMA wal_checkpoint(TRUNCATE)");
    const fileMb = statSync(join(dir, "logs.db")).size / 1024 / 1024;

    const lastId = store.lastId();
    const shop = (q: Partial<LogQuery>): LogQuery => ({ app: "shop", limit: 200, ...q });
    const cases: [string, LogQuery][] = [
      ["newest 200 lines of an app", shop({})],
      ["--since 1h", shop({ since: now - 3_600_000 })],
      ["--level error", shop({ level: "error" })],
      ["--grep of a text on one line (rare)", shop({ grep: "needle-7f3a9c1e" })],
      ["--grep card_declined (common)", shop({ grep: "card_declined" })],
      ["--grep with --since 1h", shop({ grep: "checkout", since: now - 3_600_000 })],
      [
        "--grep with --since 1h, no line matches (--level error)",
        shop({ grep: "checkout", since: now - 3_600_000, level: "error" }),
      ],
      ["--grep of a word that is nowhere", shop({ grep: "no-such-text-anywhere" })],
      ["--grep two characters (no index)", shop({ grep: "zz" })],
      ["--release (the oldest) --level warn", shop({ release: "dep_shop_0", level: "warn" })],
      [
        "--since 7d --until 6d, a day back",
        shop({ since: now - 7 * 86_400_000, until: now - 6 * 86_400_000 }),
      ],
      ["tail: lines after the newest id", shop({ afterId: lastId - 1000, limit: 1000 })],
      [
        "tail --grep card_declined: after the newest id",
        shop({ grep: "card_declined", afterId: lastId - 1000, limit: 1000 }),
      ],
    ];
    const queries: QueryFigures["queries"] = [];
    for (const [name, q] of cases) {
      const times: number[] = [];
      let rows = 0;
      for (let run = 0; run < runs; run++) {
        const t = performance.now();
        rows = store.search(q).length;
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      queries.push({ name, medianMs: times[Math.floor(times.length / 2)]!, maxMs: times.at(-1)!, rows });
      console.log(`  ${name}: ${times[Math.floor(times.length / 2)]!.toFixed(1)} ms (${rows} rows)`);
    }
    return { lines: count, loadSeconds, linesPerSecond: count / loadSeconds, fileMb, spanDays, queries };
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
