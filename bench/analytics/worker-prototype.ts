import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Analytics, type RawBeacon } from "@pier/analytics";
import { beaconScript, type WrkResult, wrk } from "./wrk.ts";

/**
 * What the proxy hook would give (packages/analytics/README.md, "What the proxy needs"): beacons
 * answered in N worker threads with readBeacon, batched to the main thread, enriched and written
 * there. Same wrk load as through the proxy today, without the second HTTP hop. `discard` drops the
 * beacons in the workers: the ceiling of answering alone.
 */
export async function workerPrototype(
  seconds: number,
  connections: number,
  workers: number,
  discard = false,
) {
  const dir = mkdtempSync(join(tmpdir(), "pier-bench-analytics-proto-"));
  const analytics = await Analytics.start({ dataDir: dir });
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  const threads: Worker[] = [];
  try {
    await Promise.all(
      Array.from({ length: workers }, () => {
        const worker = new Worker(join(import.meta.dir, "beacon-worker.ts"), {
          env: {
            ...process.env,
            PIER_BENCH_BEACON_PORT: String(port),
            PIER_BENCH_DISCARD: discard ? "1" : "",
          },
        });
        threads.push(worker);
        return new Promise<void>((ready) => {
          worker.onmessage = (event: MessageEvent<RawBeacon[] | "ready">) => {
            if (event.data === "ready") ready();
            else analytics.ingestRaw(event.data);
          };
        });
      }),
    );
    const script = join(dir, "beacon.lua");
    writeFileSync(script, beaconScript);
    const result: WrkResult = await wrk({
      url: `http://127.0.0.1:${port}/`,
      seconds,
      connections,
      host: "bench.test",
      script,
    });
    await Bun.sleep(500);
    await analytics.flush();
    return { result, stats: analytics.stats() };
  } finally {
    for (const t of threads) t.terminate();
    await analytics.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
