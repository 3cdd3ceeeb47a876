// Session replay ingest: segments as @sentry/browser's replayIntegration sends them (a replay_event
// and a zlib replay_recording per envelope) posted to the compiled binary's console port by a few
// concurrent "sessions", each a full snapshot of a generated page followed by incremental segments.
// Reports segments/s stored, recording MB/s, request latency and pier's RSS.
// Run with `make bench-replays` (after `make build`). Env: DURATION_S (10), SESSIONS (8), NODES (2000).
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { deflateSync } from "node:zlib";
import { startPier } from "../../test/support/pier-process.ts";
import { machineLine, writePerformanceSection } from "../support/performance-doc.ts";

const durationS = Math.min(120, Number(process.env.DURATION_S ?? 10));
const sessions = Math.min(64, Number(process.env.SESSIONS ?? 8));
const nodeCount = Math.min(50_000, Number(process.env.NODES ?? 2000));
const token = `pier_bench${crypto.randomUUID().replaceAll("-", "")}`;

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0) / 1024;
}

/** A page of `nodeCount` elements as rrweb serializes it (masked text, as the SDK sends by default). */
function fullSnapshot(at: number): unknown[] {
  let id = 3;
  const rows = Array.from({ length: nodeCount / 2 }, (_, i) => ({
    type: 2,
    id: id++,
    tagName: "li",
    attributes: { class: `row row-${i % 7}` },
    childNodes: [{ type: 3, id: id++, textContent: "*".repeat(8 + (i % 20)) }],
  }));
  return [
    { type: 4, timestamp: at, data: { href: "https://shop.example/cart", width: 1280, height: 800 } },
    {
      type: 2,
      timestamp: at + 1,
      data: {
        node: {
          type: 0,
          id: 1,
          childNodes: [{ type: 2, id: 2, tagName: "ul", attributes: { id: "rows" }, childNodes: rows }],
        },
        initialOffset: { top: 0, left: 0 },
      },
    },
  ];
}

/** Five seconds of a user scrolling, moving the mouse and typing (about 60 events). */
function incremental(at: number): unknown[] {
  return Array.from({ length: 60 }, (_, i) =>
    i % 3 === 0
      ? { type: 3, timestamp: at + i * 80, data: { source: 3, id: 1, x: 0, y: i * 10 } }
      : {
          type: 3,
          timestamp: at + i * 80,
          data: { source: 1, positions: [{ x: i * 7, y: i * 3, id: 5 + i, timeOffset: -20 }] },
        },
  );
}

function envelope(replayId: string, segmentId: number, events: unknown[]): Uint8Array<ArrayBuffer> {
  const encoder = new TextEncoder();
  const recording = new Uint8Array([
    ...encoder.encode(`${JSON.stringify({ segment_id: segmentId })}\n`),
    ...deflateSync(JSON.stringify(events)),
  ]);
  const head = [
    JSON.stringify({ event_id: replayId }),
    JSON.stringify({ type: "replay_event" }),
    JSON.stringify({
      type: "replay_event",
      replay_id: replayId,
      segment_id: segmentId,
      replay_type: "session",
      timestamp: Date.now() / 1000,
      urls: segmentId === 0 ? ["https://shop.example/cart"] : [],
      error_ids: [],
      trace_ids: [],
    }),
    JSON.stringify({ type: "replay_recording", length: recording.length }),
  ].join("\n");
  return new Uint8Array([...encoder.encode(`${head}\n`), ...recording]);
}

const pier = await startPier({ env: { PIER_ADMIN_TOKEN: token }, args: ["--proxy-workers", "0"] });
try {
  const created = await fetch(`${pier.url}/api/v1/errors/projects`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "bench-replays", rateLimitPerMinute: 0 }),
  });
  const { project } = (await created.json()) as { project: { id: number; publicKey: string } };
  const url = `${pier.url}/api/${project.id}/envelope/?sentry_key=${project.publicKey}`;
  const snapshotBytes = envelope("0".repeat(32), 0, fullSnapshot(Date.now())).length;
  const incrementalBytes = envelope("0".repeat(32), 1, incremental(Date.now())).length;
  const snapshotJson = JSON.stringify(fullSnapshot(Date.now())).length;

  const latencies: { kind: "snapshot" | "incremental"; ms: number }[] = [];
  let bytes = 0;
  let failures = 0;
  const deadline = Date.now() + durationS * 1000;
  let rssPeak = 0;
  const sampler = setInterval(() => {
    rssPeak = Math.max(rssPeak, rssMb(pier.proc.pid));
  }, 250);
  // Each session: a full snapshot, then incremental segments; a new session every 12 segments (a
  // one-minute page view at the SDK's 5 s flushes), so full snapshots stay in the mix.
  await Promise.all(
    Array.from({ length: sessions }, async () => {
      while (Date.now() < deadline) {
        const replayId = crypto.randomUUID().replaceAll("-", "");
        for (let segment = 0; segment < 12 && Date.now() < deadline; segment++) {
          const body = envelope(
            replayId,
            segment,
            segment === 0 ? fullSnapshot(Date.now()) : incremental(Date.now()),
          );
          const started = performance.now();
          const res = await fetch(url, { method: "POST", body });
          await res.arrayBuffer();
          const ms = performance.now() - started;
          if (res.status !== 200) failures++;
          else {
            latencies.push({ kind: segment === 0 ? "snapshot" : "incremental", ms });
            bytes += body.length;
          }
        }
      }
    }),
  );
  clearInterval(sampler);
  const pct = (values: number[], p: number) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
  };
  const snapshots = latencies.filter((l) => l.kind === "snapshot").map((l) => l.ms);
  const increments = latencies.filter((l) => l.kind === "incremental").map((l) => l.ms);
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  const table = [
    "| measure | value |",
    "| --- | --- |",
    `| segments stored per second (${sessions} concurrent sessions, ${durationS} s) | ${(latencies.length / durationS).toFixed(0)} |`,
    `| recording received per second | ${(bytes / durationS / 1024 / 1024).toFixed(2)} MB/s |`,
    `| full-snapshot segment (${nodeCount} elements: ${kb(snapshotJson)} of rrweb JSON, ${kb(snapshotBytes)} as sent) | p50 ${pct(snapshots, 50).toFixed(1)} ms, p99 ${pct(snapshots, 99).toFixed(1)} ms |`,
    `| incremental segment (60 events, ${kb(incrementalBytes)} as sent) | p50 ${pct(increments, 50).toFixed(1)} ms, p99 ${pct(increments, 99).toFixed(1)} ms |`,
    `| refused or failed | ${failures} |`,
    `| pier RSS at most during the run | ${rssPeak.toFixed(0)} MB |`,
  ].join("\n");
  console.log(table);
  writePerformanceSection(
    "Session replay ingest",
    `${table}

Envelopes shaped as \`@sentry/browser\`'s replayIntegration sends them (a \`replay_event\` and a
zlib \`replay_recording\`) posted to the console port of the compiled binary on SQLite, every one
answered after its segment is stored: the recording is inflated and checked (a JSON array of rrweb
events), its row and segment written in one transaction on the main thread. One session in twelve
segments is a full snapshot, as a minute's page view with the SDK's 5 s flushes. The load generator
(Bun fetch) runs on the same 2 cores; the machine is shared with other suites (load average
${loadavg()[0]!.toFixed(1)} when measured), so the rates are a floor.

Command: \`bun bench/replays/run.ts\` (DURATION_S=${durationS}, SESSIONS=${sessions}, NODES=${nodeCount}). Machine: ${machineLine()}.`,
  );
} finally {
  await pier.stop();
}
