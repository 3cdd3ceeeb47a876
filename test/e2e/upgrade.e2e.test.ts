import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Server } from "bun";
import type { LoadReport } from "../support/http-load.ts";
import { type PierProcess, repoRoot, startPier } from "../support/pier-process.ts";
import {
  buildUpgradeReleases,
  serveReleaseDir,
  type UpgradeReleases,
  versionA,
  versionB,
} from "../support/upgrade-releases.ts";

// pier upgrade hands a running pier over to another release without refusing or resetting a
// request: release A (installed, serving) to B (from a local release server, signed with a key
// both builds trust), then --rollback back to A, each under load through the proxy, keep-alive
// and one connection per request, with a WebSocket open and a streamed answer in flight.
// Expectations, exactly: every request gets a 200 (no reset, refusal, drop or timeout); the
// stream arrives whole; the WebSocket echoes throughout and is then closed by the old process
// with a close frame 1001 (Going Away), never a reset (1006), once its drain is over, and a new
// one is served by the new process; /healthz reports the new version; the old process exits 0.
// Everything runs on 127.0.0.1, every loop is bounded.

const adminToken = `pier_upgrade${crypto.randomUUID().replaceAll("-", "")}`;
const STREAM_CHUNKS = 25;
const STREAM_INTERVAL_MS = 200;

const upstream: Server<unknown> = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch(req, server) {
    const path = new URL(req.url).pathname;
    if (path === "/ws" && server.upgrade(req, { data: undefined })) return undefined;
    if (path === "/stream") {
      let sent = 0;
      let timer: Timer | undefined;
      const body = new ReadableStream<string>({
        start(controller) {
          timer = setInterval(() => {
            if (sent === STREAM_CHUNKS) {
              clearInterval(timer);
              controller.enqueue("end\n");
              controller.close();
              return;
            }
            controller.enqueue(`chunk ${sent++}\n`);
          }, STREAM_INTERVAL_MS);
        },
        cancel() {
          clearInterval(timer);
        },
      });
      return new Response(body, { headers: { "content-type": "text/plain" } });
    }
    return new Response("app");
  },
  websocket: {
    message(ws, message) {
      ws.send(`echo:${message}`);
    },
  },
});

let releases: UpgradeReleases;
let releaseServer: ReturnType<typeof serveReleaseDir>;
let installDir: string;
let pier: PierProcess;
/** Every pier process started (A, then the successors the hand-overs start), to stop at the end. */
const pids = new Set<number>();

beforeAll(async () => {
  releases = buildUpgradeReleases();
  releaseServer = serveReleaseDir(releases.dir);
  installDir = mkdtempSync(join(tmpdir(), "pier-upgrade-bin-"));
  copyFileSync(releases.binaryA, join(installDir, "pier"));
  pier = await startPier({
    binary: join(installDir, "pier"),
    env: { PIER_ADMIN_TOKEN: adminToken },
    args: ["--proxy-workers", "2", "--shutdown-timeout", "20s"],
  });
  pids.add(pier.proc.pid);
  const res = await fetch(`${pier.url}/api/v1/routes`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ host: "app.test", upstreams: [`http://127.0.0.1:${upstream.port}`] }),
  });
  expect(res.status).toBe(201);
  // A static site: served by the pier's own static servers, which each process starts for itself.
  expect((await api("POST", "/api/v1/apps", { name: "site" })).status).toBe(201);
  await deploySite("first");
}, 240_000);

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  return fetch(`${pier.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json", ...headers },
    body:
      body === undefined
        ? undefined
        : body instanceof Uint8Array
          ? new Uint8Array(body)
          : JSON.stringify(body),
  });
}

/**
 * Deploys the static site with `title` and waits until the proxy serves it. A deploy asked while
 * the primary role moves between two processes is answered 503 with Retry-After: asked again.
 */
async function deploySite(title: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "pier-upgrade-site-"));
  writeFileSync(join(dir, "index.html"), `<!doctype html><title>${title}</title><h1>${title}</h1>`);
  const tar = Bun.spawnSync(["tar", "-czf", "-", "-C", dir, "."]);
  let status = 0;
  for (let i = 0; i < 40; i++) {
    const res = await api("POST", "/api/v1/apps/site/deploy", new Uint8Array(tar.stdout), {
      "content-type": "application/gzip",
    });
    status = res.status;
    if (status !== 503) break;
    expect(res.headers.get("retry-after")).toBe("5");
    await Bun.sleep(250);
  }
  expect(status).toBe(202);
  for (let i = 0; i < 200; i++) {
    const page = await fetch(`http://127.0.0.1:${pier.httpPort}/`, { headers: { host: "site.localhost" } });
    if ((await page.text()).includes(title)) return;
    await Bun.sleep(50);
  }
  throw new Error(`the site did not go live with "${title}"`);
}

afterAll(async () => {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  releaseServer?.stop();
  upstream.stop(true);
});

async function healthz(): Promise<{ ok: boolean; version: string }> {
  return (await (await fetch(`${pier.url}/healthz`)).json()) as { ok: boolean; version: string };
}

async function status(): Promise<{ pid: number; version: string }> {
  // A new connection each time: a kept one could still reach the old process while it drains.
  const res = await fetch("http://pier/v1/status", {
    unix: join(pier.dataDir, "pier.sock"),
    keepalive: false,
    headers: { connection: "close" },
  });
  return (await res.json()) as { pid: number; version: string };
}

function startLoad(mode: "keepalive" | "fresh", connections: number, durationMs: number, host = "app.test") {
  const proc = Bun.spawn(
    [
      process.execPath,
      join(repoRoot, "test/support/http-load.ts"),
      String(pier.httpPort),
      host,
      "/",
      mode,
      String(connections),
      String(durationMs),
    ],
    { stdout: "pipe", stderr: "inherit" },
  );
  return new Response(proc.stdout).text().then((text) => JSON.parse(text) as LoadReport);
}

/** A WebSocket through the proxy that sends a message every 100 ms and counts the echoes. */
function openSocket() {
  const ws = new WebSocket(`ws://127.0.0.1:${pier.httpPort}/ws`, {
    headers: { host: "app.test" },
  } as unknown as string[]);
  const state = { sent: 0, echoed: 0, lastEchoAt: 0, errors: 0 };
  ws.addEventListener("message", () => {
    state.echoed++;
    state.lastEchoAt = performance.now();
  });
  ws.addEventListener("error", () => {
    state.errors++;
  });
  const closed = new Promise<CloseEvent>((resolve) => ws.addEventListener("close", resolve));
  const opened = new Promise<void>((resolve, reject) => {
    ws.addEventListener("open", () => resolve());
    ws.addEventListener("error", reject);
  });
  const timer = setInterval(() => {
    if (ws.readyState !== WebSocket.OPEN) return;
    ws.send(`m${state.sent++}`);
  }, 100);
  closed.then(() => clearInterval(timer));
  return { ws, state, closed, opened };
}

async function readStream(): Promise<string[]> {
  const res = await fetch(`http://127.0.0.1:${pier.httpPort}/stream`, {
    headers: { host: "app.test" },
    signal: AbortSignal.timeout(60_000),
  });
  expect(res.status).toBe(200);
  return (await res.text()).trim().split("\n");
}

/** Whether the process `pid` ended within 10 s. */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await Bun.sleep(50);
  }
  return false;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
};

/** p99 of the requests started in [from, to) (epoch ms). */
function p99Between(reports: LoadReport[], from: number, to: number): { p99: number; count: number } {
  const values = reports.flatMap((r) =>
    r.latencies.filter(([at]) => at >= from && at < to).map(([, ms]) => ms),
  );
  return { p99: Math.round(percentile(values, 99) * 100) / 100, count: values.length };
}

function expectNoFailure(report: LoadReport) {
  expect({
    mode: report.mode,
    statuses: report.statuses,
    resets: report.resets,
    refused: report.refused,
    dropped: report.dropped,
    timeouts: report.timeouts,
    errors: report.errors,
  }).toEqual({
    mode: report.mode,
    statuses: {},
    resets: 0,
    refused: 0,
    dropped: 0,
    timeouts: 0,
    errors: {},
  });
  expect(report.ok).toBe(report.requests);
  expect(report.requests).toBeGreaterThan(100);
}

/**
 * Runs `pier upgrade ARGS` in the middle of the load, with a WebSocket open and a stream in
 * flight, and checks everything the header says. Returns the figures it measured.
 */
async function handOverUnderLoad(args: string[], expectVersion: string) {
  const before = await status();
  const socket = openSocket();
  await socket.opened;
  const loads = [
    startLoad("keepalive", 16, 9_000),
    startLoad("fresh", 8, 9_000),
    startLoad("keepalive", 4, 9_000, "site.localhost"),
  ];
  const stream = readStream();
  await Bun.sleep(2_000);
  const upgradeStartedAt = Date.now();
  const began = performance.now();
  const upgrade = Bun.spawn([join(installDir, "pier"), "upgrade", "--data-dir", pier.dataDir, ...args], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const [code, stdout, stderr] = await Promise.all([
    upgrade.exited,
    new Response(upgrade.stdout).text(),
    new Response(upgrade.stderr).text(),
  ]);
  const upgradeMs = performance.now() - began;
  const upgradeEndedAt = Date.now();
  expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
  expect(stdout).toContain(`pier ${expectVersion} serves`);
  expect(stdout).toContain("the previous process drained");
  const readyAfter = Number(/ready (\d+) ms after the hand-over began/.exec(stdout)?.[1]);
  const drainMs = Number(/drained in (\d+) ms/.exec(stdout)?.[1]);

  // The old process is gone, the new one answers on the same ports and socket.
  expect((await healthz()).version).toBe(expectVersion);
  const after = await status();
  pids.add(after.pid);
  if (after.version !== expectVersion) console.log(pier.logs().slice(-6000));
  expect(after.version).toBe(expectVersion);
  expect(after.pid).not.toBe(before.pid);
  // It exits right after its last word to `pier upgrade`; the first one is this test's child.
  if (before.pid === pier.proc.pid) expect(await pier.proc.exited).toBe(0);
  expect(await gone(before.pid)).toBe(true);

  const lines = await stream;
  expect(lines).toEqual([...Array.from({ length: STREAM_CHUNKS }, (_, i) => `chunk ${i}`), "end"]);

  // The WebSocket was closed by the old process at the end of its drain, cleanly.
  const close = await Promise.race([socket.closed, Bun.sleep(30_000).then(() => null)]);
  expect(close?.code).toBe(1001);
  expect(socket.state.errors).toBe(0);
  // It echoed while the new process was already serving (ready came before the drain ended).
  expect(socket.state.echoed).toBeGreaterThan(30);
  const next = openSocket();
  await next.opened;
  const echoed = new Promise((resolve) => next.ws.addEventListener("message", resolve));
  expect(await Promise.race([echoed.then(() => "echoed"), Bun.sleep(5_000).then(() => "silent")])).toBe(
    "echoed",
  );
  next.ws.close();

  const reports = await Promise.all(loads);
  for (const report of reports) expectNoFailure(report);
  // The new process runs deploys once the old one is gone.
  await deploySite(`after ${args[0]}`);
  const loadStart = Math.min(...reports.flatMap((r) => r.latencies.slice(0, 1).map(([at]) => at)));
  const steady = p99Between(reports, loadStart, upgradeStartedAt);
  const during = p99Between(reports, upgradeStartedAt, upgradeEndedAt);
  const figures = {
    command: args.join(" "),
    requests: reports.map((r) => ({
      mode: r.mode,
      requests: r.requests,
      ok: r.ok,
      failed: r.requests - r.ok,
      resets: r.resets,
    })),
    upgradeCommandMs: Math.round(upgradeMs),
    readyAfterMs: readyAfter,
    oldDrainMs: drainMs,
    p99SteadyMs: steady,
    p99DuringHandoverMs: during,
    websocketEchoes: socket.state.echoed,
  };
  console.log(JSON.stringify(figures));
  return figures;
}

describe("pier upgrade without a dropped request", () => {
  test("A -> B: downloaded, verified, installed with A kept as pier.previous, handed over under load", async () => {
    expect((await healthz()).version).toBe(versionA);
    await handOverUnderLoad(["--release-url", releaseServer.url], versionB);
    expect(releaseServer.requests).toContain(`/${versionB}/SHA256SUMS.minisig`);
    const installed = Bun.spawnSync([join(installDir, "pier"), "--version"])
      .stdout.toString()
      .trim();
    const previous = Bun.spawnSync([join(installDir, "pier.previous"), "--version"])
      .stdout.toString()
      .trim();
    expect([installed, previous]).toEqual([`pier ${versionB}`, `pier ${versionA}`]);
  }, 120_000);

  test("--check says what is installed and what is latest", async () => {
    // Not spawnSync: the release server it asks runs on this thread.
    const check = Bun.spawn(
      [
        join(installDir, "pier"),
        "upgrade",
        "--check",
        "--release-url",
        releaseServer.url,
        "--data-dir",
        pier.dataDir,
      ],
      { stdout: "pipe", stderr: "pipe" },
    );
    const [code, out] = await Promise.all([check.exited, new Response(check.stdout).text()]);
    expect(code).toBe(0);
    expect(out).toContain(`installed  pier ${versionB}`);
    expect(out).toContain(`latest     pier ${versionB}`);
    expect(out).toContain("up to date");
  }, 30_000);

  test("--rollback: back to A the same way, B kept as pier.previous", async () => {
    await handOverUnderLoad(["--rollback"], versionA);
    const installed = Bun.spawnSync([join(installDir, "pier"), "--version"])
      .stdout.toString()
      .trim();
    const previous = Bun.spawnSync([join(installDir, "pier.previous"), "--version"])
      .stdout.toString()
      .trim();
    expect([installed, previous]).toEqual([`pier ${versionA}`, `pier ${versionB}`]);
    expect(existsSync(join(pier.dataDir, "pier.sock"))).toBe(true);
  }, 120_000);
});
