/**
 * Logs benchmark.
 *   bun bench/logs/run.ts [--lines 1000000] [--otlp-seconds 10] [--query-lines 10000000] [--runs 5]
 *                         [--query-json FILE] [--ingest-json FILE] [--skip-ingest] [--skip-query] [--no-write]
 * Ingest: the compiled binary (dist/pier or PIER_BINARY) collects a container writing --lines
 * JSON lines as fast as it can (Docker and the pier-base/debian image needed), then OTLP/JSON
 * exports from 4 senders. Query: --query-lines lines over 7 days loaded into a fresh logs.db
 * through the store's batched insert, then searches timed (median of --runs); --query-json reuses
 * figures written by bench/logs/query-only.ts. Writes the "## Logs" section of docs/performance.md.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { machineLine, writePerformanceSection } from "../support/performance-doc.ts";
import { type IngestFigures, ingestBenchmark } from "./ingest.ts";
import { type QueryFigures, queryBenchmark } from "./query.ts";

const { values } = parseArgs({
  options: {
    lines: { type: "string", default: "1000000" },
    "otlp-seconds": { type: "string", default: "10" },
    "query-lines": { type: "string", default: "10000000" },
    runs: { type: "string", default: "5" },
    "query-json": { type: "string" },
    "ingest-json": { type: "string" },
    "skip-ingest": { type: "boolean", default: false },
    "skip-query": { type: "boolean", default: false },
    "no-write": { type: "boolean", default: false },
  },
});
const root = resolve(import.meta.dir, "../..");
const binary = process.env.PIER_BINARY ?? join(root, "dist", "pier");
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const ms = (n: number) => (n < 10 ? n.toFixed(1) : fmt(n));
const load = () => readFileSync("/proc/loadavg", "utf8").split(" ")[0];

const loadBefore = load();
let ingest: (IngestFigures & { loadAtStart?: string; loadAtEnd?: string }) | undefined;
let query: (QueryFigures & { loadAtStart?: string; loadAtEnd?: string }) | undefined;
if (values["ingest-json"]) ingest = JSON.parse(readFileSync(values["ingest-json"], "utf8"));
else if (!values["skip-ingest"]) {
  if (!existsSync(binary)) throw new Error(`${binary} not found: run make build (or set PIER_BINARY)`);
  console.log(`ingest benchmark: ${fmt(Number(values.lines))} lines from one container ...`);
  ingest = {
    ...(await ingestBenchmark(binary, Number(values.lines), Number(values["otlp-seconds"]))),
    loadAtStart: loadBefore,
    loadAtEnd: load(),
  };
  console.log(JSON.stringify(ingest, null, 2));
  await Bun.write("/tmp/pier-bench-logs-ingest.json", JSON.stringify(ingest, null, 2));
}
if (values["query-json"]) query = JSON.parse(readFileSync(values["query-json"], "utf8"));
else if (!values["skip-query"]) {
  console.log(`query benchmark: loading ${fmt(Number(values["query-lines"]))} lines ...`);
  const loadAtStart = load();
  query = {
    ...(await queryBenchmark(Number(values["query-lines"]), Number(values.runs))),
    loadAtStart,
    loadAtEnd: load(),
  };
  console.log(JSON.stringify(query, null, 2));
}

const out: string[] = [
  "Command: `bun bench/logs/run.ts` (`make bench-logs`). The machine is shared with other agents' test suites while measuring (the 1-minute load average is given with each part): figures move a lot between runs.",
  "",
];
if (ingest) {
  out.push(
    "### Ingest",
    "",
    `Machine: ${machineLine()}; load average ${ingest.loadAtStart ?? "?"} at the start, ${ingest.loadAtEnd ?? "?"} at the end.`,
    "",
    `One container (pier-base/debian, awk) writes ${fmt(ingest.lines - 1)} JSON lines of about 100 bytes as fast as it can, through Docker's json-file driver; the compiled binary (1 proxy worker) follows it, parses each line's level and stores batches of 2,000 in logs.db (FTS5 trigram index). Time from the container's start to its last line found by \`GET /api/v1/logs/flood?grep=\`. Then 4 senders post OTLP/JSON exports of 500 records for ${ingest.otlp.seconds.toFixed(0)} s to \`/v1/logs\`. A second benchmark (the query load below) ran on the other core meanwhile.`,
    "",
    "| measure | value |",
    "| --- | ---: |",
    `| container lines stored | ${fmt(ingest.stored)} of ${fmt(ingest.lines)} |`,
    `| sustained collector ingest | ${fmt(ingest.linesPerSecond)} lines/s (${ingest.seconds.toFixed(1)} s) |`,
    `| pier RSS idle / peak while collecting | ${fmt(ingest.idleRssMb)} MB / ${fmt(ingest.peakRssMb)} MB |`,
    `| OTLP/JSON ingest, 4 senders | ${fmt(ingest.otlp.recordsPerSecond)} records/s (${fmt(ingest.otlp.records)} in ${ingest.otlp.seconds.toFixed(1)} s; answers ${Object.entries(
      ingest.otlp.statuses,
    )
      .map(([s, n]) => `${s}: ${n}`)
      .join(", ")}) |`,
    "",
  );
}
if (query) {
  out.push(
    `### Queries over ${fmt(query.lines)} lines (SQLite)`,
    "",
    `Machine: ${machineLine()}; load average ${query.loadAtStart ?? "?"} at the start of the load, ${query.loadAtEnd ?? "?"} at the end.`,
    "",
    `${fmt(query.lines)} lines of 4 apps (3 releases, 2 replicas each) over ${query.spanDays} days — request lines, JSON records, warnings, errors with ids, one line with a unique text — loaded in ${query.loadSeconds.toFixed(1)} s through the store's batched insert (${fmt(query.linesPerSecond)} lines/s on one thread, index included); file ${fmt(query.fileMb)} MB. Searches of one app (a quarter of the lines), newest 200 first, median of ${values.runs} runs.`,
    "",
    "| search | median ms | max ms | rows |",
    "| --- | ---: | ---: | ---: |",
    ...query.queries.map((q) => `| ${q.name} | ${ms(q.medianMs)} | ${ms(q.maxMs)} | ${q.rows} |`),
    "",
    "The index merges its segments 16 at a time (`automerge` 16) instead of the default 4: in one side-by-side run on this machine (100,000 lines, batches of 2,000, a one-off script under the same load), 38,560 lines/s against 24,682.",
    "",
    "A text search walks the index in id order, newest match first (oldest first after `--after`), and stops at the limit; with `--since` it also stops at the smallest id of the app's lines stamped since then, read from the (app, ts) index when at most 100,000 lines are that recent (lines are not stored in time order, so the first by time would not do). Two characters cannot use the trigram index and scan the app's lines; `--release` has no index of its own. Loading and the ingest rates were measured with other work on both cores.",
  );
}
const section = out.join("\n");
console.log(section);
if (!values["no-write"] && (ingest || query)) {
  writePerformanceSection("Logs", section);
  console.log("wrote the Logs section of docs/performance.md");
}
