import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliDecompressSync } from "node:zlib";
import { requestOrigins, trustedProxies } from "@pier/http";
import type { Server } from "bun";
import { Analytics } from "../service.ts";
import type { SiteSettingsStore } from "../settings/settings-store.ts";
import { defaultSiteSettings, isExcludedPath } from "../settings/site-settings.ts";
import type { SqliteAnalyticsStore } from "../store/sqlite-store.ts";
import { trackerScript } from "../tracker/tracker.ts";
import { beaconHandler, compressedTracker } from "./ingest-routes.ts";

// The console's beacon endpoint while the store's disk is full: 503 with Retry-After instead of a
// 202 for events that might not be kept, and back to 202 by itself once a write succeeds.
const chrome =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const dir = mkdtempSync(join(tmpdir(), "pier-analytics-ingest-"));
const server = { requestIP: () => ({ address: "127.0.0.1" }) } as unknown as Server<unknown>;
const originOf = requestOrigins("edge_test", trustedProxies([]));
/** What a proxy worker adds to a beacon it forwards: the app, the host and the edge secret. */
const viaWorker = { "x-forwarded-for": "203.0.113.9", "x-pier-app": "shop", "x-pier-edge": "edge_test" };
const settings = { get: () => defaultSiteSettings } as unknown as SiteSettingsStore;
let analytics: Analytics;
let beacons: ReturnType<typeof beaconHandler>;
let diskFull = false;

beforeAll(async () => {
  analytics = await Analytics.start({ dataDir: dir, flushIntervalMs: 20 });
  const store = analytics.store as SqliteAnalyticsStore;
  const write = store.write.bind(store);
  // bun:sqlite's error on a full disk, thrown by the store while `diskFull` is set.
  store.write = async (batch) => {
    if (diskFull)
      throw Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL", errno: 13 });
    return write(batch);
  };
  beacons = beaconHandler(analytics, settings, originOf);
});

afterAll(async () => {
  await analytics.stop();
  rmSync(dir, { recursive: true, force: true });
});

const pageview = (path: string) =>
  beacons(
    new Request("http://shop.test/_pier/event", {
      method: "POST",
      body: JSON.stringify({ n: "pageview", u: `https://shop.test${path}` }),
      headers: { "user-agent": chrome, ...viaWorker },
    }),
    server,
  ) as Promise<Response>;
const storedPaths = () =>
  (
    (analytics.store as SqliteAnalyticsStore).db.query("SELECT path FROM events ORDER BY rowid").all() as {
      path: string;
    }[]
  ).map((r) => r.path);

test("while storage is full beacons get 503 with Retry-After; accepted ones are kept and written after", async () => {
  diskFull = true;
  expect((await pageview("/accepted")).status).toBe(202);
  await analytics.flush();
  expect(analytics.storageFull).toBe(true);

  const refused = await pageview("/refused");
  expect(refused.status).toBe(503);
  expect(refused.headers.get("retry-after")).toBe("30");
  const body = (await refused.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe("storage_full");
  expect(body.error.message).toContain("disk it writes them to is full");
  // Public endpoint: the answer does not tell the world where pier keeps its data.
  expect(body.error.message).not.toContain(dir);

  // Beacons the proxy workers answered already are kept all the same.
  analytics.ingestRaw([
    {
      body: '{"n":"pageview","u":"/from-worker"}',
      site: "shop",
      host: "shop.test",
      clientIp: "203.0.113.9",
      userAgent: chrome,
      country: "",
    },
  ]);
  expect(analytics.stats()).toMatchObject({ accepted: 2, refused: 1, storageFull: true, failed: 0 });

  diskFull = false;
  await Bun.sleep(100);
  expect(analytics.storageFull).toBe(false);
  expect((await pageview("/after")).status).toBe(202);
  await analytics.flush();
  expect(storedPaths()).toEqual(["/accepted", "/from-worker", "/after"]);
  expect(analytics.stats()).toMatchObject({ written: 3, refused: 1, failed: 0, storageFull: false });
});

test("X-Pier-App and X-Forwarded-For count only from pier's proxy workers (the edge secret)", async () => {
  const post = (headers: Record<string, string>) =>
    beacons(
      new Request("http://127.0.0.1:7070/_pier/event", {
        method: "POST",
        body: JSON.stringify({ n: "pageview", u: "https://victim.test/forged" }),
        headers: { "user-agent": chrome, ...headers },
      }),
      server,
    ) as Promise<Response>;
  const before = storedPaths().length;
  const forged = { "x-pier-app": "victim", "x-pier-host": "victim.test", "x-forwarded-for": "198.51.100.1" };
  expect((await post(forged)).status).toBe(400);
  expect((await post({ ...forged, "x-pier-edge": "a guess" })).status).toBe(400);
  expect((await post({ host: "victim.test" })).status).toBe(400);
  await analytics.flush();
  expect(storedPaths().length).toBe(before);
  expect((await post({ ...forged, "x-pier-edge": "edge_test" })).status).toBe(202);
  await analytics.flush();
  expect(storedPaths().at(-1)).toBe("/forged");
});

test("listeners hear when storage fills up and when it has room again", async () => {
  const heard: boolean[] = [];
  const stop = analytics.onStorageFullChange((full) => heard.push(full));
  diskFull = true;
  await pageview("/one");
  await analytics.flush();
  diskFull = false;
  await analytics.flush();
  stop();
  expect(heard).toEqual([true, false]);
});

test("the tracker script is sent compressed to browsers that take it, and is small", () => {
  const script = trackerScript({ respectDnt: true });
  const br = compressedTracker(script, "gzip, deflate, br, zstd");
  expect(br.encoding).toBe("br");
  expect(brotliDecompressSync(br.body as Uint8Array).toString()).toBe(script);
  expect((br.body as Uint8Array).byteLength).toBeLessThan(2048);
  const gzip = compressedTracker(script, "gzip");
  expect(gzip.encoding).toBe("gzip");
  expect(Bun.gunzipSync(gzip.body as Uint8Array<ArrayBuffer>)).toEqual(new Uint8Array(Buffer.from(script)));
  expect(compressedTracker(script, null)).toEqual({ body: script, encoding: null });
});

test("beacons of a site's excluded paths are answered 202 and not stored, from the console and workers", async () => {
  const excludedDir = mkdtempSync(join(tmpdir(), "pier-analytics-excluded-"));
  const excluding = await Analytics.start({
    dataDir: excludedDir,
    flushIntervalMs: 20,
    isExcluded: (site, path) => site === "shop" && isExcludedPath(["/admin/*", "/health"], path),
  });
  try {
    const handler = beaconHandler(excluding, settings, originOf);
    for (const path of ["/admin/users", "/health", "/pricing"]) {
      const request = new Request("http://shop.test/_pier/event", {
        method: "POST",
        body: JSON.stringify({ n: "pageview", u: `https://shop.test${path}` }),
        headers: { "user-agent": chrome, ...viaWorker },
      });
      expect((await (handler(request, server) as Promise<Response>)).status).toBe(202);
    }
    excluding.ingestRaw([
      {
        body: '{"n":"pageview","u":"/admin/"}',
        site: "shop",
        host: "shop.test",
        clientIp: "203.0.113.9",
        userAgent: chrome,
        country: "",
      },
    ]);
    await excluding.flush();
    const rows = (excluding.store as SqliteAnalyticsStore).db.query("SELECT path FROM events").all();
    expect(rows).toEqual([{ path: "/pricing" }]);
  } finally {
    await excluding.stop();
    rmSync(excludedDir, { recursive: true, force: true });
  }
});

test("excluded paths match exactly, or everything under a prefix that ends in *", () => {
  expect(isExcludedPath(["/admin/*"], "/admin/")).toBe(true);
  expect(isExcludedPath(["/admin/*"], "/admin")).toBe(false);
  expect(isExcludedPath(["/admin*"], "/administrator")).toBe(true);
  expect(isExcludedPath(["/health"], "/health")).toBe(true);
  expect(isExcludedPath(["/health"], "/health/deep")).toBe(false);
  expect(isExcludedPath([], "/")).toBe(false);
});
