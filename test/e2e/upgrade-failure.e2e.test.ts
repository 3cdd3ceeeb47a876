import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Server } from "bun";
import { failuresOf, noFailures, spawnLoad } from "../support/load-runs.ts";
import { type PierProcess, startPier } from "../support/pier-process.ts";
import {
  buildFailingRelease,
  buildUpgradeReleases,
  type FailingRelease,
  failingMigration,
  serveReleaseDir,
  type UpgradeReleases,
  versionA,
  versionB,
  versionC,
} from "../support/upgrade-releases.ts";

// A successor that cannot start changes nothing: pier A (installed with B as its pier.previous,
// as after a rollback) is asked to upgrade to release C, whose one new migration (a unique index,
// which `make lint` lets through) fails on this database's data. Expected, exactly: pier upgrade
// exits 1 and says why and that A keeps serving; every request of a keep-alive and a
// one-connection-per-request load through the proxy gets a 200 meanwhile; A is still the process
// serving, `pier --version` is A and pier.previous is B, byte for byte, with no file left beside
// them; C's migration left no trace in the database and C no process; A takes deploys again at
// once and a later upgrade to B goes through. Everything on 127.0.0.1, every loop bounded.

const adminToken = `pier_upgrade_fail${crypto.randomUUID().replaceAll("-", "")}`;

const upstream: Server<unknown> = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch: () => new Response("app"),
});

let releases: UpgradeReleases;
let failing: FailingRelease;
let releaseB: ReturnType<typeof serveReleaseDir>;
let releaseC: ReturnType<typeof serveReleaseDir>;
let installDir: string;
let pier: PierProcess;
const pids = new Set<number>();

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

beforeAll(async () => {
  releases = buildUpgradeReleases();
  failing = buildFailingRelease();
  releaseB = serveReleaseDir(releases.dir);
  releaseC = serveReleaseDir(failing.dir);
  installDir = mkdtempSync(join(tmpdir(), "pier-upgrade-fail-bin-"));
  copyFileSync(releases.binaryA, join(installDir, "pier"));
  copyFileSync(releases.binaryB, join(installDir, "pier.previous"));
  pier = await startPier({
    binary: join(installDir, "pier"),
    env: { PIER_ADMIN_TOKEN: adminToken },
    args: ["--proxy-workers", "2"],
  });
  pids.add(pier.proc.pid);
  const route = await api("POST", "/api/v1/routes", {
    host: "app.test",
    upstreams: [`http://127.0.0.1:${upstream.port}`],
  });
  expect(route.status).toBe(201);
  // Two monitors of one target: what release C's unique index cannot be built over.
  for (const name of ["console-a", "console-b"]) {
    const res = await api("POST", "/api/v1/monitors", {
      name,
      kind: "http",
      target: `${pier.url}/healthz`,
      intervalSeconds: 60,
    });
    expect(res.status).toBe(201);
  }
  expect((await api("POST", "/api/v1/apps", { name: "site" })).status).toBe(201);
}, 600_000);

afterAll(() => {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  releaseB?.stop();
  releaseC?.stop();
  upstream.stop(true);
});

async function status(): Promise<{ pid: number; version: string }> {
  const res = await fetch("http://pier/v1/status", {
    unix: join(pier.dataDir, "pier.sock"),
    keepalive: false,
    headers: { connection: "close" },
  });
  return (await res.json()) as { pid: number; version: string };
}

async function healthVersion(): Promise<string> {
  return ((await (await fetch(`${pier.url}/healthz`)).json()) as { version: string }).version;
}

async function upgrade(args: string[]) {
  const proc = Bun.spawn([join(installDir, "pier"), "upgrade", "--data-dir", pier.dataDir, ...args], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const [code, stdout, stderr] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  return { code, stdout, stderr };
}

const sha256 = (path: string) => new Bun.CryptoHasher("sha256").update(readFileSync(path)).digest("hex");
const versionOf = (path: string) => Bun.spawnSync([path, "--version"]).stdout.toString().trim();

/** Pids of the processes whose command line names this suite's data dir (pier serve --data-dir …). */
function processesOnDataDir(): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (cmdline.includes(pier.dataDir) && cmdline.includes("serve")) found.push(Number(entry));
    } catch {
      // ended meanwhile
    }
  }
  return found;
}

async function deploySite(title: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "pier-upgrade-fail-site-"));
  writeFileSync(join(dir, "index.html"), `<!doctype html><title>${title}</title><h1>${title}</h1>`);
  const tar = Bun.spawnSync(["tar", "-czf", "-", "-C", dir, "."]);
  const res = await api("POST", "/api/v1/apps/site/deploy", new Uint8Array(tar.stdout), {
    "content-type": "application/gzip",
  });
  // No 503 here: a hand-over that failed gives deploys back at once.
  expect(res.status).toBe(202);
  for (let i = 0; i < 200; i++) {
    const page = await fetch(`http://127.0.0.1:${pier.httpPort}/`, { headers: { host: "site.localhost" } });
    if ((await page.text()).includes(title)) return;
    await Bun.sleep(50);
  }
  throw new Error(`the site did not go live with "${title}"`);
}

describe("pier upgrade to a release that cannot start", () => {
  test("C's migration fails: pier upgrade exits 1 and says why, A serves every request, the files are as they were", async () => {
    const before = await status();
    expect(before.version).toBe(versionA);
    const hashes = {
      pier: sha256(join(installDir, "pier")),
      previous: sha256(join(installDir, "pier.previous")),
    };
    const loads = [
      spawnLoad({
        port: pier.httpPort,
        host: "app.test",
        mode: "keepalive",
        connections: 16,
        durationMs: 8_000,
      }),
      spawnLoad({ port: pier.httpPort, host: "app.test", mode: "fresh", connections: 8, durationMs: 8_000 }),
    ];
    await Bun.sleep(1_500);
    const result = await upgrade(["--release-url", releaseC.url]);
    console.log(`pier upgrade to C:\n${result.stdout}${result.stderr}`);
    // The download and its check went through: it is the start that failed.
    expect(result.stdout).toContain(`installed pier ${versionC}`);
    expect(result.stdout).toContain(`starting ${join(installDir, "pier")} beside the running pier`);
    expect(result.stdout).not.toContain("serves (pid");
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `the new pier could not start: migration ${failingMigration.id} failed and was rolled back: UNIQUE constraint failed: uptime_monitors.target`,
    );
    expect(result.stderr).toContain(
      `${join(installDir, "pier")} and ${join(installDir, "pier.previous")} were put back as they were; the running pier keeps serving`,
    );

    for (const report of await Promise.all(loads)) {
      expect(failuresOf(report)).toEqual(noFailures(report.mode));
      expect(report.requests).toBeGreaterThan(100);
    }
    // The same process serves, on the same ports and socket.
    expect(await healthVersion()).toBe(versionA);
    expect(await status()).toEqual(before);
    expect(pier.proc.exitCode).toBeNull();
    expect(processesOnDataDir()).toEqual([before.pid]);

    // The files: pier is A and pier.previous B, as they were, and nothing is left beside them.
    expect(versionOf(join(installDir, "pier"))).toBe(`pier ${versionA}`);
    expect(versionOf(join(installDir, "pier.previous"))).toBe(`pier ${versionB}`);
    expect({
      pier: sha256(join(installDir, "pier")),
      previous: sha256(join(installDir, "pier.previous")),
    }).toEqual(hashes);
    expect(readdirSync(installDir).sort()).toEqual(["pier", "pier.previous"]);

    // The failed migration rolled back whole: no ledger row, no index.
    const db = new Database(join(pier.dataDir, "pier.db"), { readonly: true });
    try {
      expect(db.query("SELECT id FROM pier_migrations WHERE id = ?").all(failingMigration.id)).toEqual([]);
      expect(
        db.query("SELECT name FROM sqlite_master WHERE name = 'uptime_monitors_target_unique'").all(),
      ).toEqual([]);
    } finally {
      db.close();
    }
  }, 120_000);

  test("A takes deploys again at once, and a later upgrade to B goes through", async () => {
    await deploySite("after the failed upgrade");
    const result = await upgrade(["--release-url", releaseB.url, "--version", versionB]);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
    expect(await healthVersion()).toBe(versionB);
    const after = await status();
    pids.add(after.pid);
    expect(after.version).toBe(versionB);
    expect(versionOf(join(installDir, "pier"))).toBe(`pier ${versionB}`);
    expect(versionOf(join(installDir, "pier.previous"))).toBe(`pier ${versionA}`);
    expect(readdirSync(installDir).sort()).toEqual(["pier", "pier.previous"]);
  }, 120_000);
});
