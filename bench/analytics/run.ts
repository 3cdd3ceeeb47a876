/**
 * Analytics benchmark.
 *   bun bench/analytics/run.ts [--duration 5] [--connections 32] [--events 10000000] [--runs 5]
 *                              [--skip-ingest] [--skip-query] [--no-write]
 * Ingest: wrk (apt-get install wrk) sends tracker beacons through the compiled binary's proxy
 * (dist/pier or PIER_BINARY) on 127.0.0.1, alone and next to plain proxied GETs.
 * Query: loads --events events over 30 days into a fresh analytics.db and times the dashboard
 * queries. Writes the "## Analytics" section of docs/performance.md.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { writePerformanceSection } from "../support/performance-doc.ts";
import { type IngestFigures, ingestBenchmark } from "./ingest.ts";
import { type QueryFigures, queryBenchmark } from "./query.ts";
import { analyticsSection } from "./report.ts";

const { values } = parseArgs({
  options: {
    duration: { type: "string", default: "5" },
    connections: { type: "string", default: "32" },
    events: { type: "string", default: "10000000" },
    runs: { type: "string", default: "5" },
    "max-load-seconds": { type: "string", default: "600" },
    "skip-ingest": { type: "boolean", default: false },
    "skip-query": { type: "boolean", default: false },
    "no-write": { type: "boolean", default: false },
  },
});
const root = resolve(import.meta.dir, "../..");
const binary = process.env.PIER_BINARY ?? join(root, "dist", "pier");
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

let ingest: IngestFigures | undefined;
let query: QueryFigures | undefined;
if (!values["skip-ingest"]) {
  if (!Bun.which("wrk")) throw new Error("wrk not found: apt-get install -y wrk");
  if (!existsSync(binary)) throw new Error(`${binary} not found: run make build (or set PIER_BINARY)`);
  console.log("ingest benchmark ...");
  ingest = await ingestBenchmark(binary, Number(values.duration), Number(values.connections));
  console.log(JSON.stringify(ingest, null, 2));
}
if (!values["skip-query"]) {
  console.log(`query benchmark: loading ${fmt(Number(values.events))} events ...`);
  query = await queryBenchmark(
    Number(values.events),
    Number(values.runs),
    Number(values["max-load-seconds"]) * 1000,
  );
  console.log(JSON.stringify(query, null, 2));
}

const lines = analyticsSection(ingest, query, {
  connections: values.connections ?? "32",
  duration: values.duration ?? "5",
  runs: values.runs ?? "5",
});
if (!values["no-write"] && (ingest || query)) {
  writePerformanceSection("Analytics", lines.join("\n"));
  console.log("wrote the Analytics section of docs/performance.md");
} else {
  console.log(lines.join("\n"));
}
