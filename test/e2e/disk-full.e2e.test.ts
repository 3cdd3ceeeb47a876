import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  statfsSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireService } from "@pier/testkit";
import { type PierProcess, startPier } from "../support/pier-process.ts";

// pier on a disk that fills up (review finding 13): nothing is acknowledged that is not kept.
// Sentry ingest and analytics beacons (on the console and through a proxy worker) answer 503 with
// Retry-After, a control-plane write answers 507 naming the data dir, /healthz stays 200; once
// space is freed, the same process takes events again and has stored every one it acknowledged.
// The disk is a 24 MB tmpfs the test mounts (as root, like CI) and fills with one file.

const mountPoint = mkdtempSync(join(tmpdir(), "pier-disk-full-"));

function mountSmallDisk(): string | null {
  if (process.platform !== "linux") return "a tmpfs can only be mounted on Linux";
  try {
    const mount = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=24m,mode=0700", "tmpfs", mountPoint]);
    if (mount.exitCode === 0) return null;
    return `mount -t tmpfs failed: ${mount.stderr.toString().trim() || `exit ${mount.exitCode}`}`;
  } catch (error) {
    return `mount could not run: ${(error as Error).message}`;
  }
}

const missing = mountSmallDisk();
if (missing) rmSync(mountPoint, { recursive: true, force: true });
const mounted = requireService(
  "a small disk to fill (a tmpfs the test mounts)",
  missing,
  "Run the suite as root (CI does) or with CAP_SYS_ADMIN, on Linux.",
);

const token = `pier_diskfull${crypto.randomUUID().replaceAll("-", "")}`;
const appHost = "shop.disk.test";
const consoleSite = "console.disk.test";
const dataDir = join(mountPoint, "data");
const filler = join(mountPoint, "filler");
const browser =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

/** Writes one file until the disk has no block left. */
function fillDisk(): void {
  const fd = openSync(filler, "w");
  try {
    for (const size of [1024 * 1024, 4096]) {
      const chunk = new Uint8Array(size).fill(1);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (error) {
        if ((error as { code?: string }).code !== "ENOSPC") throw error;
      }
    }
  } finally {
    closeSync(fd);
  }
}

async function until<T>(attempt: () => Promise<T>, done: (value: T) => boolean, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  let value = await attempt();
  while (!done(value) && Date.now() < deadline) {
    await Bun.sleep(150);
    value = await attempt();
  }
  return value;
}

describe.skipIf(!mounted)("disk full", () => {
  let pier: PierProcess;
  let project = { id: 0, publicKey: "" };
  const upstream = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("shop") });
  const healthFailures: string[] = [];
  let healthPoll: ReturnType<typeof setInterval> | undefined;

  /** What was acknowledged (must be stored in the end) and what was refused (must not be). */
  const sentry = { accepted: [] as string[], refused: [] as string[] };
  const beacons = { accepted: [] as string[], refused: [] as string[] };
  let beaconCount = 0;

  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${pier.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  async function apiJson<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await api(method, path, body);
    if (!res.ok) throw new Error(`${method} ${path} -> ${res.status}: ${await res.text()}`);
    return (await res.json()) as T;
  }

  /** One Sentry event through the legacy store endpoint, as an SDK sends it. */
  async function sendEvent(): Promise<Response> {
    const id = crypto.randomUUID().replaceAll("-", "");
    const res = await fetch(`${pier.url}/api/${project.id}/store/`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-sentry-auth": `Sentry sentry_version=7, sentry_key=${project.publicKey}, sentry_client=disk/1`,
      },
      body: JSON.stringify({ event_id: id, message: `disk full ${id}`, level: "error", platform: "node" }),
    });
    (res.status === 200 ? sentry.accepted : sentry.refused).push(id);
    return res;
  }

  /**
   * One pageview beacon through the proxy: answered by the worker ("proxy"), or sent chunked, which
   * the worker passes on to the console's endpoint with its edge secret ("console"; the console
   * takes beacons from pier's proxy only).
   */
  async function sendBeacon(via: "console" | "proxy"): Promise<Response> {
    const path = `/${via}-${++beaconCount}`;
    const host = via === "console" ? consoleSite : appHost;
    const body = JSON.stringify({ n: "pageview", u: `http://${host}${path}` });
    const res = await fetch(`http://127.0.0.1:${pier.httpPort}/_pier/event`, {
      method: "POST",
      headers: { host, "user-agent": browser, "content-type": "text/plain" },
      body: via === "console" ? new Blob([body]).stream() : body,
    });
    (res.status === 202 ? beacons.accepted : beacons.refused).push(`${host}${path}`);
    return res;
  }

  const storedPages = async (site: string) =>
    (
      await apiJson<{ rows: { value: string }[] }>(
        "GET",
        `/api/v1/analytics/${site}/breakdown/page?period=day&limit=1000`,
      )
    ).rows.map((r) => `${site}${r.value}`);

  beforeAll(async () => {
    mkdirSync(dataDir, { mode: 0o700 });
    pier = await startPier({
      dataDir,
      env: { PIER_ADMIN_TOKEN: token },
      args: ["--proxy-workers", "1"],
    });
    healthPoll = setInterval(async () => {
      const res = await fetch(`${pier.url}/healthz`).catch((error: Error) => error);
      if (res instanceof Error || res.status !== 200)
        healthFailures.push(res instanceof Error ? res.message : `status ${res.status}`);
    }, 200);
    for (const host of [appHost, consoleSite]) {
      const route = await api("POST", "/api/v1/routes", {
        host,
        upstreams: [`http://127.0.0.1:${upstream.port}`],
      });
      expect(route.status).toBe(201);
    }
    ({ project } = await apiJson<{ project: typeof project }>("POST", "/api/v1/errors/projects", {
      name: "disk",
    }));
    // An app to upload a build context to, with the deploy engine loaded.
    expect((await api("POST", "/api/v1/apps", { name: "upload" })).status).toBe(201);
    expect((await api("GET", "/api/v1/apps/upload/deployments")).status).toBe(200);
    // Loaded and written to once before the disk fills: the error writer thread, analytics.db.
    expect((await sendEvent()).status).toBe(200);
    expect((await sendBeacon("console")).status).toBe(202);
    expect((await sendBeacon("proxy")).status).toBe(202);
    const events = await until(
      () => apiJson<{ ingest: { written: number } }>("GET", "/api/v1/analytics"),
      (s) => s.ingest.written >= 2,
    );
    expect(events.ingest.written).toBe(2);
  }, 60_000);

  afterAll(async () => {
    clearInterval(healthPoll);
    await pier?.stop();
    upstream.stop(true);
    if (!mounted) return;
    const umount = Bun.spawnSync(["umount", mountPoint]);
    if (umount.exitCode !== 0) Bun.spawnSync(["umount", "-l", mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  test("with the disk full, ingest answers 503 with Retry-After and control-plane writes 507", async () => {
    fillDisk();
    expect(statfsSync(mountPoint).bavail).toBe(0);

    // The first events after the disk filled may be queued (acknowledged, kept in memory); once a
    // write has found the disk full, ingest refuses.
    const refusedEvent = await until(sendEvent, (res) => res.status !== 200);
    expect(refusedEvent.status).toBe(503);
    expect(refusedEvent.headers.get("retry-after")).toBe("30");
    const eventError = (await refusedEvent.json()) as { error: { code: string; message: string } };
    expect(eventError.error.code).toBe("storage_full");
    expect(eventError.error.message).toContain("disk it writes them to is full");
    expect(refusedEvent.headers.get("x-sentry-error")).toBe(eventError.error.message);
    expect((await sendEvent()).status).toBe(503);

    const refusedBeacon = await until(
      () => sendBeacon("console"),
      (res) => res.status !== 202,
    );
    expect(refusedBeacon.status).toBe(503);
    expect(refusedBeacon.headers.get("retry-after")).toBe("30");
    expect(((await refusedBeacon.json()) as { error: { code: string } }).error.code).toBe("storage_full");
    // The proxy workers stop answering beacons themselves: the console's 503 comes through.
    const proxied = await until(
      () => sendBeacon("proxy"),
      (res) => res.status !== 202,
    );
    expect([proxied.status, proxied.headers.get("retry-after")]).toEqual([503, "30"]);
    expect(
      (await apiJson<{ ingest: { storageFull: boolean } }>("GET", "/api/v1/analytics")).ingest.storageFull,
    ).toBe(true);

    // A control-plane write: the WAL may still have room for a page or two, the disk for no more.
    let created = 0;
    const write = await until(
      () => api("POST", "/api/v1/apps", { name: `full-${++created}` }),
      (res) => res.status !== 201,
      10_000,
    );
    expect(write.status).toBe(507);
    expect(await write.json()).toEqual({
      error: {
        code: "storage_full",
        message:
          `pier could not write because the disk holding its data dir (${dataDir}) is full. ` +
          "Free space on that disk; pier recovers without a restart.",
      },
    });

    // An upload that finds no room: the same 507, and nothing half-written is left behind.
    const upload = await fetch(`${pier.url}/api/v1/apps/upload/deploy`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/gzip" },
      body: Bun.gzipSync(crypto.getRandomValues(new Uint8Array(64 * 1024))),
    });
    expect(upload.status).toBe(507);
    expect(((await upload.json()) as { error: { code: string } }).error.code).toBe("storage_full");
    expect(readdirSync(join(dataDir, "uploads"))).toEqual([]);
    expect((await fetch(`${pier.url}/healthz`)).status).toBe(200);
  }, 90_000);

  test("once space is freed, the same process takes events again and stored all it acknowledged", async () => {
    rmSync(filler);
    expect((await until(sendEvent, (res) => res.status === 200)).status).toBe(200);
    expect(
      (
        await until(
          () => sendBeacon("console"),
          (res) => res.status === 202,
        )
      ).status,
    ).toBe(202);
    expect(
      (
        await until(
          () => sendBeacon("proxy"),
          (res) => res.status === 202,
        )
      ).status,
    ).toBe(202);
    expect((await api("POST", "/api/v1/apps", { name: "after-full" })).status).toBe(201);
    expect(pier.proc.exitCode).toBeNull();

    for (const id of sentry.accepted) {
      const res = await until(
        () => api("GET", `/api/v1/errors/projects/${project.id}/events/${id}`),
        (r) => r.status === 200,
        10_000,
      );
      expect(`${id} ${res.status}`).toBe(`${id} 200`);
    }
    for (const id of sentry.refused) {
      expect((await api("GET", `/api/v1/errors/projects/${project.id}/events/${id}`)).status).toBe(404);
    }

    const stored = async () => [...(await storedPages(consoleSite)), ...(await storedPages(appHost))];
    const pages = await until(stored, (found) => beacons.accepted.every((page) => found.includes(page)));
    expect(beacons.accepted.filter((page) => !pages.includes(page))).toEqual([]);
    expect(beacons.refused.filter((page) => pages.includes(page))).toEqual([]);
    expect(beacons.refused.length).toBeGreaterThanOrEqual(2);
    expect(
      (await apiJson<{ ingest: { storageFull: boolean } }>("GET", "/api/v1/analytics")).ingest.storageFull,
    ).toBe(false);

    expect(healthFailures).toEqual([]);
    expect(pier.logs()).toContain("storage full: error events are kept and retried");
    expect(pier.logs()).toContain("storage full: analytics events are kept and retried");
  }, 90_000);
});
