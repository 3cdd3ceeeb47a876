import { afterAll, expect, test } from "bun:test";
import type { RawBeacon } from "../shared/edge/raw-beacon.ts";
import { routeSpecSchema } from "../shared/route-spec.ts";
import { freePort, startUpstream } from "../testing/test-servers.ts";
import { type ProxyPool, startProxyPool } from "./proxy-pool.ts";

// The pool's lifecycle beside routing: closing tunnels with 1001, draining on stop, holding
// requests on sleeping routes while they wake, and beacon batches that outlive a handler switch.

const upstream = startUpstream("up", (req) => {
  const path = new URL(req.url).pathname;
  if (path === "/slow") return Bun.sleep(800).then(() => new Response("slow done"));
  return undefined;
});
/** A WebSocket upstream that says how its sockets were closed. */
const closedUpstream: { code: number; reason: string }[] = [];
const wsUpstream = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch: (req, server) => (server.upgrade(req) ? undefined : new Response("no upgrade", { status: 400 })),
  websocket: {
    message(ws, msg) {
      ws.send(`ws:${msg}`);
    },
    close(_ws, code, reason) {
      closedUpstream.push({ code, reason });
    },
  },
});
const wsOrigin = `http://127.0.0.1:${wsUpstream.port}`;
const pools: ProxyPool[] = [];
afterAll(async () => {
  for (const pool of pools) await pool.stop();
  upstream.server.stop(true);
  wsUpstream.stop(true);
});

const route = (r: Record<string, unknown>) => routeSpecSchema.parse(r);

async function pool(options: Partial<Parameters<typeof startProxyPool>[0]> = {}) {
  const httpPort = freePort();
  const started = await startProxyPool({ workers: 2, httpPort, hostname: "127.0.0.1", ...options });
  pools.push(started);
  return { pool: started, url: `http://127.0.0.1:${httpPort}`, httpPort };
}

function openSocket(url: string, host: string): Promise<{ ws: WebSocket; closed: Promise<CloseEvent> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace("http", "ws")}/ws`, { headers: { host } } as unknown as string[]);
    const closed = new Promise<CloseEvent>((done) => ws.addEventListener("close", done));
    ws.addEventListener("open", () => resolve({ ws, closed }));
    ws.addEventListener("error", reject);
  });
}

test("closeTunnels ends WebSockets to those origins with 1001; the upstream is told too", async () => {
  const { pool: p, url } = await pool();
  await p.publishRoutes([route({ id: "ws", host: "ws.test", upstreams: [wsOrigin] })]);
  const { ws, closed } = await openSocket(url, "ws.test");
  const echoed = new Promise<string>((done) => ws.addEventListener("message", (e) => done(String(e.data))));
  ws.send("hello");
  expect(await echoed).toBe("ws:hello");
  expect(await p.inFlight([wsOrigin])).toBe(1);
  expect(await p.closeTunnels(["http://127.0.0.1:1"])).toBe(0);
  expect(await p.closeTunnels([wsOrigin])).toBe(1);
  const event = await closed;
  expect([event.code, event.reason]).toEqual([1001, "going away"]);
  expect(await p.inFlight([wsOrigin])).toBe(0);
  for (let i = 0; i < 20 && closedUpstream.length === 0; i++) await Bun.sleep(25);
  expect(closedUpstream).toEqual([{ code: 1001, reason: "going away" }]);
});

test("drain: in-flight requests finish, idle connections close, new connections are refused", async () => {
  const { pool: p, url, httpPort } = await pool();
  await p.publishRoutes([route({ id: "up", host: "up.test", upstreams: [upstream.url] })]);
  const inFlight = Array.from({ length: 4 }, () => fetch(`${url}/slow`, { headers: { host: "up.test" } }));
  const { closed } = await openSocket(url, "up.test");
  await Bun.sleep(200);
  const drained = p.drain(5_000);
  await Bun.sleep(100);
  const refused = await fetch(`${url}/`, { headers: { host: "up.test" } }).then(
    (r) => r.status,
    (e: Error) => e.message,
  );
  expect(String(refused)).toMatch(/Unable to connect|ECONNREFUSED|refused/i);
  const answers = await Promise.all(inFlight);
  expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200]);
  expect(await Promise.all(answers.map((r) => r.text()))).toEqual(Array(4).fill("slow done"));
  expect((await closed).code).toBe(1001);
  expect(await drained).toEqual({ cut: 0 });
  const probe = await Bun.connect({ hostname: "127.0.0.1", port: httpPort, socket: { data() {} } }).then(
    () => "connected",
    () => "refused",
  );
  expect(probe).toBe("refused");
});

test("drain cuts what is still open at its timeout, and hands over the beacons workers hold", async () => {
  const beacons: RawBeacon[] = [];
  const { pool: p, url } = await pool({ beaconFlushMs: 60_000 });
  await p.publishRoutes([route({ id: "up", host: "up.test", upstreams: [upstream.url], appId: "app_1" })]);
  await p.setBeaconHandler((batch) => beacons.push(...batch));
  const sent = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      fetch(`${url}/_pier/event`, {
        method: "POST",
        headers: { host: "up.test", "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0" },
        body: JSON.stringify({ n: "pageview", u: `https://up.test/${i}` }),
      }).then((r) => r.status),
    ),
  );
  expect(sent).toEqual(Array(20).fill(202));
  expect(beacons).toHaveLength(0);
  const slow = fetch(`${url}/slow`, { headers: { host: "up.test" } }).catch((e: Error) => e);
  await Bun.sleep(100);
  // Bun's fetch sometimes sends the request again on another of its keep-alive connections, which
  // stays open through the drain's idle grace and is cut as well: at least the one exchange.
  expect((await p.drain(200)).cut).toBeGreaterThanOrEqual(1);
  expect(await slow).toBeInstanceOf(Error);
  expect(beacons).toHaveLength(20);
});

test("beacon batches arriving after the handler was switched off still reach the last handler", async () => {
  const taken: RawBeacon[] = [];
  const { pool: p, url } = await pool({ beaconFlushMs: 60_000 });
  await p.publishRoutes([route({ id: "up", host: "up.test", upstreams: [upstream.url] })]);
  await p.setBeaconHandler((batch) => taken.push(...batch));
  for (let i = 0; i < 10; i++) {
    const res = await fetch(`${url}/_pier/event`, {
      method: "POST",
      headers: { host: "up.test", "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0" },
      body: JSON.stringify({ n: "pageview", u: "https://up.test/" }),
    });
    expect(res.status).toBe(202);
  }
  await p.setBeaconHandler(null);
  expect(taken).toHaveLength(10);
});

test("a sleeping route holds its requests, asks to wake once, then serves them all", async () => {
  const woken: string[] = [];
  let p: ProxyPool;
  const sleeping = route({
    id: "deploy:env_1:sleepy.test",
    host: "sleepy.test",
    upstreams: [],
    sleeping: true,
  });
  const awake = route({ id: "deploy:env_1:sleepy.test", host: "sleepy.test", upstreams: [upstream.url] });
  const started = await pool({
    async onWake(routeId) {
      woken.push(routeId);
      await Bun.sleep(300);
      await p.publishRoutes([awake]);
      return true;
    },
  });
  p = started.pool;
  await p.publishRoutes([sleeping]);
  const answers = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      fetch(`${started.url}/n/${i}`, { headers: { host: "sleepy.test", connection: "close" } }).then(
        async (r) => [r.status, ((await r.json()) as { path: string }).path],
      ),
    ),
  );
  expect(answers).toEqual(Array.from({ length: 50 }, (_, i) => [200, `/n/${i}`]));
  expect(woken).toEqual(["deploy:env_1:sleepy.test"]);
});

test("a held request gets a 503 with Retry-After when the route cannot wake, or not in time", async () => {
  const failing = await pool({ onWake: () => Promise.reject(new Error("no image")) });
  const sleeping = route({ id: "s", host: "s.test", upstreams: [], sleeping: true });
  await failing.pool.publishRoutes([sleeping]);
  const failed = await fetch(failing.url, { headers: { host: "s.test" } });
  expect(failed.status).toBe(503);
  expect(failed.headers.get("retry-after")).toBe("5");
  expect(await failed.text()).toContain("was asleep");

  const slow = await pool({ onWake: () => Bun.sleep(5_000).then(() => true), wakeTimeoutMs: 300 });
  await slow.pool.publishRoutes([sleeping]);
  const t = performance.now();
  expect((await fetch(slow.url, { headers: { host: "s.test" } })).status).toBe(503);
  expect(performance.now() - t).toBeLessThan(2_000);

  const none = await pool();
  await none.pool.publishRoutes([sleeping]);
  expect((await fetch(none.url, { headers: { host: "s.test" } })).status).toBe(503);
});

test("route activity: when each route last served a request", async () => {
  const seen = new Map<string, number>();
  const { pool: p, url } = await pool({
    recordFlushMs: 50,
    onRouteActivity: (batch) => {
      for (const [id, at] of batch) seen.set(id, Math.max(seen.get(id) ?? 0, at));
    },
  });
  await p.publishRoutes([
    route({ id: "one", host: "one.test", upstreams: [upstream.url] }),
    route({ id: "two", host: "two.test", upstreams: [upstream.url] }),
  ]);
  const before = Date.now();
  await fetch(url, { headers: { host: "one.test" } });
  for (let i = 0; i < 40 && !seen.has("one"); i++) await Bun.sleep(25);
  expect(seen.get("one")).toBeGreaterThanOrEqual(before - 5);
  expect(seen.has("two")).toBe(false);
});
