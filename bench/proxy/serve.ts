/**
 * Runs the proxy pool alone: `bun bench/proxy/serve.ts --http-port 9091 --upstream http://127.0.0.1:9001`.
 * Used by the benchmark, and compiled as a throwaway executable to prove the worker entrypoint
 * resolves inside `bun build --compile` (see run.ts --compiled).
 */
import { parseArgs } from "node:util";
import { reexecWithAllocatorTuning } from "@pier/core";
import { routeSpecSchema, startProxyPool } from "@pier/proxy";

// As `pier serve` does first: start again with the allocator settings (a no-op once they are set).
await reexecWithAllocatorTuning();

const { values } = parseArgs({
  options: {
    "http-port": { type: "string", default: "9091" },
    "https-port": { type: "string" },
    upstream: { type: "string", default: "http://127.0.0.1:9001" },
    workers: { type: "string", default: String(navigator.hardwareConcurrency) },
    cert: { type: "string" },
    key: { type: "string" },
    host: { type: "string", default: "bench.test" },
  },
});

let aggregated = 0;
const pool = await startProxyPool({
  workers: Number(values.workers),
  httpPort: Number(values["http-port"]),
  httpsPort: values["https-port"] ? Number(values["https-port"]) : undefined,
  hostname: "127.0.0.1",
  log: (level, msg, fields) => console.error(level, msg, JSON.stringify(fields ?? {})),
  // What `pier serve` does with every batch short of the database insert, so the main thread's
  // share of the work per request is in the figures.
  onAggregates: (aggregates) => {
    aggregated += aggregates.length;
  },
});
await pool.publishRoutes([
  routeSpecSchema.parse({ id: "bench", host: values.host, upstreams: [values.upstream] }),
  routeSpecSchema.parse({ id: "bench-ip", host: "127.0.0.1", upstreams: [values.upstream] }),
]);
if (values.cert && values.key) {
  await pool.setCertificates([
    {
      serverName: values.host!,
      cert: await Bun.file(values.cert).text(),
      key: await Bun.file(values.key).text(),
    },
  ]);
}
console.log("ready");
const stop = async () => {
  await pool.stop();
  console.error(`per-minute request aggregates received: ${aggregated}`);
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
