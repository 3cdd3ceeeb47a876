import { machineLine } from "../support/performance-doc.ts";
import type { IngestFigures } from "./ingest.ts";
import type { QueryFigures } from "./query.ts";

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const ms = (n: number) => (n < 10 ? n.toFixed(1) : fmt(n));

/** The "## Analytics" section of docs/performance.md from the measured figures. */
export function analyticsSection(
  ingest: IngestFigures | undefined,
  query: QueryFigures | undefined,
  options: { connections: string; duration: string; runs: string },
): string[] {
  const lines: string[] = [
    `Command: \`bun bench/analytics/run.ts\` (\`make bench-analytics\`). Machine: ${machineLine()}.`,
    "The machine is shared with other test suites while measuring, so figures move between runs.",
    "",
  ];
  if (ingest) {
    const { getAlone, beaconsAlone, mixedGet, mixedBeacons, stats } = ingest;
    const slowdown = (1 - mixedGet.rps / getAlone.rps) * 100;
    lines.push(
      "### Ingest",
      "",
      `Tracker beacons (\`POST /_pier/event\`, pageview JSON, 5,000 rotating user agents) sent by wrk (-t1 -c${options.connections}, ${options.duration} s) to the proxy port of the compiled binary (${ingest.workers} proxy workers), forwarded to the console port, enriched and queued; SQLite writes in batches of up to 2,000 from a bounded queue (100,000).`,
      "",
      "| measure | value | target |",
      "| --- | ---: | --- |",
      `| beacons through the proxy, alone | ${fmt(beaconsAlone.rps)} events/s (p50 ${ms(beaconsAlone.p50)} ms, p99 ${ms(beaconsAlone.p99)} ms) | >= 20,000/s |`,
      `| ingest pipeline in-process (validate, bot filter, hash, visit, queue), one thread | ${fmt(ingest.pipelinePerSecond)} events/s | |`,
      `| SQLite batched writes (events + visit upserts), one thread | ${fmt(ingest.sqliteWritesPerSecond)} events/s | |`,
      `| proxied GET alone | ${fmt(getAlone.rps)} req/s (p50 ${ms(getAlone.p50)} ms, p99 ${ms(getAlone.p99)} ms) | |`,
      `| proxied GET while beacons saturate the same proxy | ${fmt(mixedGet.rps)} req/s (p50 ${ms(mixedGet.p50)} ms, p99 ${ms(mixedGet.p99)} ms), ${slowdown.toFixed(0)}% fewer | <= 10% slower |`,
      `| beacons meanwhile | ${fmt(mixedBeacons.rps)} events/s | |`,
      `| accepted / written / dropped (queue full) / rejected | ${fmt(stats.accepted)} / ${fmt(stats.written)} / ${fmt(stats.dropped)} / ${fmt(stats.invalid)} | dropped 0 |`,
      `| prototype of the proposed proxy hook: beacons answered in ${ingest.workers} worker threads (readBeacon), batched to the main thread (Analytics.ingestRaw) | ${fmt(ingest.hook.rps)} events/s (p99 ${ms(ingest.hook.p99)} ms), ${fmt(ingest.hookStats.written)} written, ${fmt(ingest.hookStats.dropped)} dropped | >= 20,000/s |`,
      `| same workers answering only (ingest discarded): the ceiling of this load generator here | ${fmt(ingest.hookAnswerOnly.rps)} req/s | |`,
      "",
      'Every beacon is a second HTTP request today (proxy worker -> console port), so beacons cost what a proxied POST costs plus the console\'s HTTP handling; on 2 cores shared with wrk and the upstream that stays well below 20,000/s, and a saturating beacon load takes CPU from proxied traffic. The hook above (README, "What the proxy needs") removes the second hop; enrichment and SQLite writes then cost about 1 / pipeline rate + 1 / write rate of a core per event on the main thread.',
      "",
    );
  }
  if (query) {
    const g = query.generated;
    lines.push(
      "### Queries over 10 million events (SQLite)",
      "",
      `${fmt(g.events)} events (${fmt(g.visits)} visits, ${fmt(g.vitals)} Web Vitals samples) over 30 days, loaded in ${(g.ms / 1000).toFixed(1)} s through the store's batched write path (${fmt(g.events / (g.ms / 1000))} events/s); completed days rolled up in ${(query.rollupMs / 1000).toFixed(1)} s (${ms(query.rollupMs / 30)} ms per day on the console thread; in production a background timer rolls one completed day a minute, so queries find them ready); file ${fmt(query.fileMb)} MB. Median of ${options.runs} runs, 30-day range ending now (29 rolled days + today raw).`,
      "",
      "| query | median ms | max ms | target |",
      "| --- | ---: | ---: | --- |",
      ...query.queries.map(
        (q) =>
          `| ${q.name} | ${ms(q.medianMs)} | ${ms(q.maxMs)} | ${q.name.startsWith("overview (30") ? "< 500 ms" : ""} |`,
      ),
      "",
    );
  }
  return lines;
}
