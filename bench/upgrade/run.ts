/**
 * Upgrade hand-over benchmark: how long `pier upgrade` takes until the new release serves, and
 * what the hand-over does to latency through the proxy. Release A (installed, serving a static
 * route to a Bun upstream) and B are built from this tree with different versions and served from
 * a local release server (test/support/upgrade-releases.ts, as the e2e suite does). Each round
 * runs a keep-alive and a one-connection-per-request load for a fixed time and, after a steady
 * stretch, `pier upgrade` (A -> B) or `pier upgrade --rollback` (B -> A) in its middle; requests
 * are split by their start into steady state (before the command) and hand-over (from the moment
 * the command starts the new binary until it exits).
 * Writes the "Upgrade hand-over" section of docs/performance.md.
 *
 *   make bench-upgrade        (BENCH_UPGRADE_ROUNDS, default 4, at most 10)
 */
import { copyFileSync, mkdtempSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type { LoadReport } from "../../test/support/http-load.ts";
import { failuresOf, latenciesBetween, percentile, spawnLoad } from "../../test/support/load-runs.ts";
import { startPier } from "../../test/support/pier-process.ts";
import {
  buildUpgradeReleases,
  serveReleaseDir,
  versionA,
  versionB,
} from "../../test/support/upgrade-releases.ts";
import { machineLine, writePerformanceSection } from "../support/performance-doc.ts";

const rounds = Math.max(1, Math.min(10, Number(process.env.BENCH_UPGRADE_ROUNDS ?? 4)));
/**
 * Load before the command starts, and the whole load's length: long enough to cover the download
 * (several seconds for 126 MB on a busy machine) and the hand-over after it; a round whose command
 * outlasts the load fails rather than report a hand-over without load.
 */
const STEADY_MS = 4_000;
const LOAD_MS = 24_000;
const KEEPALIVE_CONNECTIONS = 8;
const FRESH_CONNECTIONS = 4;
/** How often /healthz is asked which version answers, each time on a new connection. */
const POLL_MS = 10;

const loadAtStart = loadavg();
console.log("==> building releases A and B (cached in dist/upgrade-releases)");
const releases = buildUpgradeReleases();
const releaseServer = serveReleaseDir(releases.dir);
const installDir = mkdtempSync(join(tmpdir(), "pier-bench-upgrade-"));
const binary = join(installDir, "pier");
copyFileSync(releases.binaryA, binary);

// The upstream in a process of its own, so this one's polling does not delay its answers.
const upstreamPort = 20_000 + Math.floor(Math.random() * 20_000);
const upstream = Bun.spawn(
  [process.execPath, join(import.meta.dir, "..", "proxy", "upstream.ts"), String(upstreamPort)],
  {
    stdout: "pipe",
    stderr: "inherit",
  },
);
await upstream.stdout.getReader().read();

const token = `pier_bench${crypto.randomUUID().replaceAll("-", "")}`;
const pier = await startPier({
  binary,
  // Response checking against the contract is for the test suites; it is not what users run.
  env: { PIER_ADMIN_TOKEN: token, PIER_CHECK_RESPONSES: undefined },
  args: ["--proxy-workers", "2"],
});
const pids = new Set<number>([pier.proc.pid]);
const route = await fetch(`${pier.url}/api/v1/routes`, {
  method: "POST",
  headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
  body: JSON.stringify({ host: "app.test", upstreams: [`http://127.0.0.1:${upstreamPort}`] }),
});
if (route.status !== 201) throw new Error(`route: ${route.status} ${await route.text()}`);

async function servingVersion(): Promise<string | undefined> {
  try {
    const res = await fetch(`${pier.url}/healthz`, { keepalive: false, headers: { connection: "close" } });
    return ((await res.json()) as { version: string }).version;
  } catch {
    return undefined;
  }
}

async function statusPid(): Promise<number> {
  const res = await fetch("http://pier/v1/status", {
    unix: join(pier.dataDir, "pier.sock"),
    keepalive: false,
    headers: { connection: "close" },
  });
  return ((await res.json()) as { pid: number }).pid;
}

interface Round {
  kind: string;
  to: string;
  /** From the command's start until /healthz (a new connection) answers with the new version. */
  servingMs: number;
  /** From the hand-over's start (the command says it starts the new binary) until then. */
  handoverServingMs: number;
  /** The whole command: download and verify (not for a rollback), swap, hand-over, drain. */
  commandMs: number;
  readyMs: number;
  drainMs: number;
  reports: LoadReport[];
  steady: Record<string, number[]>;
  during: Record<string, number[]>;
}

async function round(index: number): Promise<Round> {
  const rollback = index % 2 === 1;
  const to = rollback ? versionA : versionB;
  const args = rollback ? ["--rollback"] : ["--release-url", releaseServer.url, "--version", versionB];
  const loadStartedAt = Date.now();
  const loads = [
    spawnLoad({
      port: pier.httpPort,
      host: "app.test",
      mode: "keepalive",
      connections: KEEPALIVE_CONNECTIONS,
      durationMs: LOAD_MS,
    }),
    spawnLoad({
      port: pier.httpPort,
      host: "app.test",
      mode: "fresh",
      connections: FRESH_CONNECTIONS,
      durationMs: LOAD_MS,
    }),
  ];
  await Bun.sleep(STEADY_MS);
  const startedAt = Date.now();
  const began = performance.now();
  const command = Bun.spawn([binary, "upgrade", "--data-dir", pier.dataDir, ...args], {
    stdout: "pipe",
    stderr: "pipe",
  });
  // The hand-over starts when the command says so: before it, a download (A -> B) or nothing.
  let handoverAt = Number.NaN;
  let handoverStartedAt = Number.NaN;
  const stdoutText = (async () => {
    let text = "";
    const decoder = new TextDecoder();
    for await (const chunk of command.stdout) {
      text += decoder.decode(chunk, { stream: true });
      if (Number.isNaN(handoverAt) && text.includes("pier upgrade: starting ")) {
        handoverAt = performance.now();
        handoverStartedAt = Date.now();
      }
    }
    return text;
  })();
  const output = Promise.all([command.exited, stdoutText, new Response(command.stderr).text()]);
  let servingMs = Number.NaN;
  const pollUntil = performance.now() + 60_000;
  while (performance.now() < pollUntil) {
    if ((await servingVersion()) === to) {
      servingMs = performance.now() - began;
      break;
    }
    await Bun.sleep(POLL_MS);
  }
  const [code, stdout, stderr] = await output;
  const commandMs = performance.now() - began;
  const endedAt = Date.now();
  if (code !== 0) throw new Error(`pier upgrade ${args.join(" ")} exited ${code}:\n${stdout}${stderr}`);
  if (endedAt > loadStartedAt + LOAD_MS - 500)
    throw new Error(`pier upgrade took ${Math.round(commandMs)} ms: longer than the load; raise LOAD_MS`);
  pids.add(await statusPid());
  const reports = await Promise.all(loads);
  const byMode = (from: number, until: number) =>
    Object.fromEntries(reports.map((r) => [r.mode, latenciesBetween([r], from, until)]));
  return {
    kind: rollback ? "--rollback (B -> A)" : "A -> B",
    to,
    servingMs,
    handoverServingMs: servingMs - (handoverAt - began),
    commandMs,
    readyMs: Number(/ready (\d+) ms after the hand-over began/.exec(stdout)?.[1]),
    drainMs: Number(/drained in (\d+) ms/.exec(stdout)?.[1]),
    reports,
    // The first second warms connections up; it is left out of the steady state.
    steady: byMode(loadStartedAt + 1_000, startedAt),
    during: byMode(handoverStartedAt, endedAt),
  };
}

const ms = (value: number) =>
  Number.isFinite(value) ? `${value < 10 ? value.toFixed(2) : Math.round(value)} ms` : "n/a";
const stats = (values: number[]) =>
  `${ms(percentile(values, 50))} / ${ms(percentile(values, 99))} / ${ms(Math.max(0, ...values))} (${values.length})`;
const sec = (value: number) => `${(value / 1000).toFixed(2)} s`;

const results: Round[] = [];
try {
  for (let i = 0; i < rounds; i++) {
    const result = await round(i);
    results.push(result);
    const failed = result.reports.map((r) => failuresOf(r)).filter((f) => f.notOk > 0);
    console.log(
      `round ${i + 1} ${result.kind}: serving after ${sec(result.servingMs)} (${sec(result.handoverServingMs)} after the hand-over began), command ${sec(result.commandMs)} (ready ${result.readyMs} ms, drain ${result.drainMs} ms); ` +
        result.reports
          .map(
            (r) =>
              `${r.mode} steady ${stats(result.steady[r.mode] ?? [])}, hand-over ${stats(result.during[r.mode] ?? [])}`,
          )
          .join("; ") +
        (failed.length ? `; FAILURES ${JSON.stringify(failed)}` : "; 0 failed"),
    );
    await Bun.sleep(1_000);
  }
} finally {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      // gone
    }
  }
  upstream.kill();
  releaseServer.stop();
}

const loadAtEnd = loadavg();
const all = (pick: (r: Round) => number[]) => results.flatMap(pick);
const totals = results.flatMap((r) => r.reports);
const requests = totals.reduce((sum, r) => sum + r.requests, 0);
const failed = totals.reduce((sum, r) => sum + failuresOf(r).notOk, 0);
const row = (r: Round, i: number) =>
  `| ${i + 1} | ${r.kind} | ${sec(r.servingMs)} | ${sec(r.handoverServingMs)} | ${sec(r.commandMs)} | ${r.readyMs} ms | ${r.drainMs} ms | ${stats(r.steady.keepalive ?? [])} | ${stats(r.during.keepalive ?? [])} | ${stats(r.steady.fresh ?? [])} | ${stats(r.during.fresh ?? [])} |`;
const allRow = `| all | | | | | | | ${stats(all((r) => r.steady.keepalive ?? []))} | ${stats(all((r) => r.during.keepalive ?? []))} | ${stats(all((r) => r.steady.fresh ?? []))} | ${stats(all((r) => r.during.fresh ?? []))} |`;
const load = (values: number[]) => values.map((l) => l.toFixed(1)).join(" ");
const body = `Command: \`make bench-upgrade\` (bench/upgrade/run.ts, ${rounds} rounds). ${machineLine()}; load average ${load(loadAtStart)} (1, 5, 15 min) at the start and ${load(loadAtEnd)} at the end: the 2 cores were shared with other jobs the whole time, so the figures are those of a busy machine and the maxima are mostly its noise.

Releases A and B are this tree built with two versions (test/support/upgrade-releases.ts), signed and served from a local release server. pier runs with 2 proxy workers on SQLite and proxies \`app.test\` to a Bun upstream (bench/proxy/upstream.ts). In each round a keep-alive load (${KEEPALIVE_CONNECTIONS} connections) and a new-connection-per-request load (${FRESH_CONNECTIONS} connections) run for ${LOAD_MS / 1000} s through the proxy (test/support/http-load.ts, each in its own process, 127.0.0.1), and after ${STEADY_MS / 1000} s \`pier upgrade --version B\` (download, signature and digest check, swap, hand-over) or \`pier upgrade --rollback\` (swap, hand-over) starts.

- *Serving*: from the command's start until \`/healthz\`, asked every ${POLL_MS} ms on a new connection, answers with the new version; *from hand-over*: the same from the moment the command says it starts the new binary (after the download for A -> B).
- *Command*: until \`pier upgrade\` exits, after the old process drained and exited. *Ready* and *drain* are what the command reports (new process ready after the hand-over began; old process's drain).
- Latency: p50 / p99 / max (number of requests), by the request's start: *steady* from 1 s after the load began until the command started, *hand-over* from the hand-over's start until the command exited.

| Round | Hand-over | Serving | From hand-over | Command | Ready | Drain | Keep-alive steady | Keep-alive hand-over | New connection steady | New connection hand-over |
|---|---|---|---|---|---|---|---|---|---|---|
${results.map(row).join("\n")}
${allRow}

${requests} requests in all, **${failed} failed** (no reset, refusal, drop, timeout or status other than 200). test/e2e/upgrade.e2e.test.ts asserts the same with a WebSocket and a stream open as well, and test/e2e/upgrade-failure.e2e.test.ts for a new version that cannot start.`;
writePerformanceSection("Upgrade hand-over", body);
console.log(`${requests} requests, ${failed} failed; wrote docs/performance.md section Upgrade hand-over`);
process.exit(failed === 0 ? 0 : 1);
