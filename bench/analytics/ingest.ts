import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Analytics } from "@pier/analytics";
import { freePort, type PierProcess, startPier } from "../../test/support/pier-process.ts";
import { beaconScript, type WrkResult, wrk } from "./wrk.ts";

const root = resolve(import.meta.dir, "../..");
const adminToken = `pier_bench${crypto.randomUUID().replaceAll("-", "")}`;

async function waitFor(url: string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await Bun.sleep(50);
  }
  throw new Error(`${url} did not answer within ${ms} ms`);
}

/** CPU time of pier per request answered, split by thread: the main thread and the proxy workers. */
export interface CpuPerRequest {
  mainUs: number;
  workersUs: number;
}

export interface Measured extends WrkResult {
  cpu: CpuPerRequest;
}

export interface IngestFigures {
  pipelinePerSecond: number;
  sqliteWritesPerSecond: number;
  getAlone: Measured;
  /** Three runs, each on its own; the table shows the median. */
  beaconsAlone: Measured[];
  mixedGet: WrkResult;
  mixedBeacons: WrkResult;
  stats: { accepted: number; written: number; dropped: number; bots: number; invalid: number };
  workers: number;
}

/** utime+stime in µs of every thread of `pid`, by thread name ("Worker" = proxy worker). */
function threadCpuUs(pid: number): { main: number; workers: number } {
  let main = 0;
  let workers = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const us = (Number(f[11]) + Number(f[12])) * 10_000; // USER_HZ = 100
      if (Number(tid) === pid) main += us;
      else if (readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim() === "Worker") workers += us;
    } catch {}
  }
  return { main, workers };
}

async function measured(pid: number, run: () => Promise<WrkResult>): Promise<Measured> {
  const before = threadCpuUs(pid);
  const result = await run();
  const after = threadCpuUs(pid);
  const n = Math.max(result.requests, 1);
  return {
    ...result,
    cpu: { mainUs: (after.main - before.main) / n, workersUs: (after.workers - before.workers) / n },
  };
}

/** In-process: enrichment + queue on one thread, then the SQLite batch writes, without HTTP. */
async function pipeline(count: number): Promise<{ perSecond: number; writesPerSecond: number }> {
  const dir = mkdtempSync(join(tmpdir(), "pier-bench-analytics-"));
  const analytics = await Analytics.start({ dataDir: dir, queueCapacity: count + 1, batchSize: count + 1 });
  const bodies = ["/", "/pricing", "/docs"].map((p) =>
    JSON.stringify({ n: "pageview", u: `http://bench.test${p}` }),
  );
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    analytics.ingest(bodies[i % 3] ?? "", {
      site: "bench.test",
      host: "bench.test",
      clientIp: `10.0.${(i >> 8) & 255}.${i & 255}`,
      userAgent: `Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.${i % 5000} Safari/537.36`,
      country: "DE",
    });
  }
  const ingestMs = performance.now() - started;
  const flushStart = performance.now();
  await analytics.flush();
  const flushMs = performance.now() - flushStart;
  await analytics.stop();
  rmSync(dir, { recursive: true, force: true });
  return { perSecond: count / (ingestMs / 1000), writesPerSecond: count / (flushMs / 1000) };
}

/** Through the compiled binary: wrk -> proxy worker -> console port -> ingest -> SQLite. */
export async function ingestBenchmark(
  binary: string,
  seconds: number,
  connections: number,
): Promise<IngestFigures> {
  const inProcess = await pipeline(200_000);
  const dir = mkdtempSync(join(tmpdir(), "pier-bench-analytics-serve-"));
  const upstreamPort = freePort();
  const workers = navigator.hardwareConcurrency;
  const children: Bun.Subprocess[] = [];
  let pier: PierProcess | undefined;
  try {
    children.push(
      Bun.spawn([process.execPath, join(root, "bench/proxy/upstream.ts"), String(upstreamPort)], {
        stdout: "ignore",
        stderr: "inherit",
      }),
    );
    pier = await startPier({
      binary,
      dataDir: dir,
      args: ["--proxy-workers", String(workers)],
      env: { PIER_ADMIN_TOKEN: adminToken, PIER_LOG_LEVEL: "warn" },
    });
    const { consolePort, httpPort } = pier;
    const pid = pier.proc.pid;
    await waitFor(`http://127.0.0.1:${upstreamPort}/`, 10_000);
    const res = await fetch(`http://127.0.0.1:${consolePort}/api/v1/routes`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ host: "bench.test", upstreams: [`http://127.0.0.1:${upstreamPort}`] }),
    });
    if (res.status !== 201) throw new Error(`route not created: ${res.status} ${await res.text()}`);
    const script = join(dir, "beacon.lua");
    writeFileSync(script, beaconScript);
    const proxyUrl = `http://127.0.0.1:${httpPort}/`;
    const get = () => wrk({ url: proxyUrl, seconds, connections, host: "bench.test" });
    const beacons = () => wrk({ url: proxyUrl, seconds, connections, host: "bench.test", script });

    await get(); // warm-up: connection pools, JIT
    const getAlone = await measured(pid, get);
    const beaconsAlone: Measured[] = [];
    for (let i = 0; i < 3; i++) {
      beaconsAlone.push(await measured(pid, beacons));
      await Bun.sleep(1000);
    }
    const [mixedGet, mixedBeacons] = await Promise.all([get(), beacons()]);
    await Bun.sleep(1500);
    const status = (await (
      await fetch(`http://127.0.0.1:${consolePort}/api/v1/analytics`, {
        headers: { authorization: `Bearer ${adminToken}` },
      })
    ).json()) as { ingest: IngestFigures["stats"] };
    return {
      pipelinePerSecond: inProcess.perSecond,
      sqliteWritesPerSecond: inProcess.writesPerSecond,
      getAlone,
      beaconsAlone,
      mixedGet,
      mixedBeacons,
      stats: status.ingest,
      workers,
    };
  } finally {
    await pier?.stop();
    for (const child of children) child.kill("SIGTERM");
    await Promise.all(children.map((c) => Promise.race([c.exited, Bun.sleep(10_000)])));
    for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}
