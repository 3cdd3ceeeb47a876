import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { RequestRecord } from "../shared/request-record.ts";
import type { RouteSpec } from "../shared/route-spec.ts";
import { routeSpecSchema } from "../shared/route-spec.ts";
import { freePort, startUpstream } from "../testing/test-servers.ts";
import type { ProxyPool } from "./proxy-pool.ts";
import { startProxyPool } from "./proxy-pool.ts";

const a = startUpstream("a");
const b = startUpstream("b");
const slow = startUpstream("slow", (req) => {
  const u = new URL(req.url);
  if (u.pathname === "/sleep") return Bun.sleep(1_000).then(() => new Response("late"));
  if (u.pathname === "/stream") {
    return new Response(
      new ReadableStream({
        async start(c) {
          c.enqueue(new TextEncoder().encode("first;"));
          await Bun.sleep(400);
          c.enqueue(new TextEncoder().encode("second"));
          c.close();
        },
      }),
    );
  }
  if (u.pathname === "/sse") {
    return new Response(
      new ReadableStream({
        async start(c) {
          c.enqueue(new TextEncoder().encode("data: one\n\n"));
          await Bun.sleep(300);
          c.enqueue(new TextEncoder().encode("data: two\n\n"));
          c.close();
        },
      }),
      { headers: { "content-type": "text/event-stream" } },
    );
  }
  if (u.pathname === "/upload") {
    return (async () => {
      let total = 0;
      for await (const chunk of req.body!) total += chunk.byteLength;
      return Response.json({ total });
    })();
  }
  return undefined;
});
const deadPort = freePort();
const internal = startUpstream("console");
const httpPort = freePort();
const records: RequestRecord[] = [];
let pool: ProxyPool;

const route = (r: Record<string, unknown>): RouteSpec => routeSpecSchema.parse(r);
const baseRoutes = () => [
  route({ id: "ab", host: "ab.test", upstreams: [a.url, b.url], appId: "app-ab" }),
  route({ id: "api", host: "ab.test", pathPrefix: "/api", stripPrefix: true, upstreams: [b.url] }),
  route({ id: "wild", host: "*.wild.test", upstreams: [a.url] }),
  route({ id: "half-dead", host: "halfdead.test", upstreams: [`http://127.0.0.1:${deadPort}`, a.url] }),
  route({ id: "dead", host: "dead.test", upstreams: [`http://127.0.0.1:${deadPort}`] }),
  route({ id: "empty", host: "empty.test", upstreams: [] }),
  route({
    id: "slow",
    host: "slow.test",
    upstreams: [slow.url],
    upstreamTimeoutMs: 300,
    maxBodyBytes: 60_000_000,
  }),
  route({ id: "small", host: "small.test", upstreams: [slow.url], maxBodyBytes: 1000 }),
  route({ id: "held", host: "held.test", upstreams: [slow.url] }),
  route({ id: "secure", host: "secure.test", upstreams: [a.url], redirectHttps: true }),
  route({ id: "tracked", host: "tracked.test", upstreams: [a.url], injectTracker: true }),
  route({ id: "console-host", host: "console.test", upstreams: [internal.url] }),
  route({ id: "canon", host: "www.canon.test", upstreams: [a.url], canonicalHost: "canon.test" }),
  route({
    id: "maint",
    host: "maint.test",
    upstreams: [a.url],
    maintenance: { message: "Back at 5pm", healthPath: "/health" },
  }),
];

function get(host: string, path = "/", init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  headers.set("host", host);
  // A fresh connection per request, so that the kernel spreads requests over all workers.
  return fetch(`http://127.0.0.1:${httpPort}${path}`, {
    ...init,
    headers,
    redirect: "manual",
    keepalive: false,
  });
}

beforeAll(async () => {
  pool = await startProxyPool({
    workers: 2,
    httpPort,
    httpsPort: freePort(),
    hostname: "127.0.0.1",
    internalUpstream: internal.url,
    edgeSecret: "edge_test_secret",
    recordFlushMs: 100,
    onRecords: (r) => records.push(...r),
  });
  await pool.publishRoutes(baseRoutes());
});

afterAll(async () => {
  await pool.stop();
  for (const s of [a, b, slow, internal]) s.server.stop(true);
});

describe("routing", () => {
  test("round-robin over upstreams, prefix strip, wildcard", async () => {
    const names = new Set<string>();
    for (let i = 0; i < 8; i++)
      names.add(((await (await get("ab.test", "/x")).json()) as { name: string }).name);
    expect([...names].sort()).toEqual(["a", "b"]);
    const api = (await (await get("ab.test", "/api/users?q=1")).json()) as { name: string; path: string };
    expect(api).toMatchObject({ name: "b", path: "/users?q=1" });
    expect(((await (await get("x.y.wild.test")).json()) as { name: string }).name).toBe("a");
  });

  test("unknown host gets a 404 page saying what to do", async () => {
    const res = await get("nobody.test");
    expect(res.status).toBe(404);
    expect(await res.text()).toContain("No app is configured for <code>nobody.test</code>");
  });

  test("a refusing upstream is skipped (passive health) and GET retried on the next one", async () => {
    for (let i = 0; i < 6; i++) {
      const res = await get("halfdead.test");
      expect(res.status).toBe(200);
    }
  });

  test("POST is not retried: connect failure on a non-idempotent request is a 502", async () => {
    const dead = await get("dead.test", "/", { method: "POST", body: "x" });
    expect(dead.status).toBe(502);
    expect(await dead.text()).toContain("could not be reached");
  });

  test("502 when the only upstream refuses, 503 when a route has none, 504 on timeout", async () => {
    expect((await get("dead.test")).status).toBe(502);
    const empty = await get("empty.test");
    expect(empty.status).toBe(503);
    expect(await empty.text()).toContain("no running replica");
    const t = performance.now();
    const late = await get("slow.test", "/sleep");
    expect(late.status).toBe(504);
    expect(performance.now() - t).toBeLessThan(900);
  });
});

describe("headers and redirects", () => {
  test("X-Forwarded-*, generated and kept X-Request-Id, hop-by-hop and spoofed headers removed", async () => {
    const res = await get("ab.test", "/h", {
      headers: {
        "x-forwarded-for": "6.6.6.6",
        "x-pier-app": "spoof",
        "x-pier-host": "spoof.test",
        "x-pier-edge": "edge_test_secret",
        "x-pier-inject-tracker": "tracker",
        "x-real-ip": "6.6.6.6",
        forwarded: "for=6.6.6.6",
        "proxy-connection": "x",
        "x-custom": "1",
      },
    });
    const { headers } = (await res.json()) as { headers: Record<string, string> };
    expect(headers["x-forwarded-for"]).toBe("127.0.0.1");
    expect(headers["x-forwarded-proto"]).toBe("http");
    expect(headers["x-forwarded-host"]).toBe("ab.test");
    expect(headers["x-request-id"]).toMatch(/.+-\d+-/);
    expect(headers["x-real-ip"]).toBe("127.0.0.1");
    expect(headers.forwarded).toBe("for=127.0.0.1;proto=http");
    for (const spoofable of ["x-pier-app", "x-pier-host", "x-pier-edge", "x-pier-inject-tracker"])
      expect(headers[spoofable]).toBeUndefined();
    expect(headers["proxy-connection"]).toBeUndefined();
    expect(headers["x-custom"]).toBe("1");
    const kept = await get("ab.test", "/h", { headers: { "x-request-id": "abc123" } });
    expect(((await kept.json()) as { headers: Record<string, string> }).headers["x-request-id"]).toBe(
      "abc123",
    );
  });

  test("HTTP->HTTPS and canonical host redirects", async () => {
    const s = await get("secure.test", "/p?q=1");
    expect(s.status).toBe(308);
    expect(s.headers.get("location")).toMatch(/^https:\/\/secure\.test:\d+\/p\?q=1$/);
    const c = await get("www.canon.test", "/x");
    expect(c.status).toBe(308);
    expect(c.headers.get("location")).toBe(`http://canon.test:${httpPort}/x`);
  });

  test("maintenance mode answers 503 with the message but proxies the health path", async () => {
    const m = await get("maint.test", "/");
    expect(m.status).toBe(503);
    expect(await m.text()).toContain("Back at 5pm");
    expect((await get("maint.test", "/health")).status).toBe(200);
  });

  test("/_pier/ goes to the platform with X-Pier-Host, X-Pier-App and the edge secret", async () => {
    const res = await get("ab.test", "/_pier/script.js", { headers: { "x-pier-app": "spoof" } });
    const body = (await res.json()) as { name: string; headers: Record<string, string> };
    expect(body.name).toBe("console");
    expect(body.headers["x-pier-host"]).toBe("ab.test");
    expect(body.headers["x-pier-app"]).toBe("app-ab");
    expect(body.headers["x-pier-edge"]).toBe("edge_test_secret");
  });

  test("a route to the console carries the edge secret; a tracked route asks for the tracker", async () => {
    const viaConsole = (await (await get("console.test", "/api")).json()) as {
      headers: Record<string, string>;
    };
    expect(viaConsole.headers["x-pier-edge"]).toBe("edge_test_secret");
    const tracked = (await (await get("tracked.test", "/")).json()) as { headers: Record<string, string> };
    expect(tracked.headers["x-pier-inject-tracker"]).toBe("tracker");
    expect(tracked.headers["x-pier-edge"]).toBeUndefined();
  });

  test("ACME HTTP-01 challenge is answered by every worker before routing", async () => {
    await pool.setAcmeChallenges({ tok123: "tok123.thumb" });
    for (let i = 0; i < 6; i++) {
      const res = await get("any-host-at-all.test", "/.well-known/acme-challenge/tok123");
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("tok123.thumb");
    }
    expect((await get("ab.test", "/.well-known/acme-challenge/other")).status).toBe(404);
  });
});

describe("bodies", () => {
  test("a streamed response arrives in pieces (chunk, wait, chunk)", async () => {
    const res = await get("slow.test", "/stream");
    const reader = res.body!.getReader();
    const t = performance.now();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe("first;");
    expect(performance.now() - t).toBeLessThan(300);
    let rest = "";
    for (let r = await reader.read(); !r.done; r = await reader.read())
      rest += new TextDecoder().decode(r.value);
    expect(rest).toBe("second");
  });

  test("SSE events pass through as they are sent", async () => {
    const res = await get("slow.test", "/sse");
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const reader = res.body!.getReader();
    const t = performance.now();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("data: one\n\n");
    expect(performance.now() - t).toBeLessThan(250);
    await reader.cancel();
  });

  test("a 50 MB upload streams through; 413 above the route limit", async () => {
    const size = 50 * 1024 * 1024;
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent >= size) return c.close();
        const n = Math.min(1024 * 1024, size - sent);
        sent += n;
        c.enqueue(new Uint8Array(n));
      },
    });
    const res = await get("slow.test", "/upload", { method: "POST", body, duplex: "half" } as RequestInit);
    expect(await res.json()).toEqual({ total: size });
    const big = await get("small.test", "/upload", { method: "POST", body: "x".repeat(2000) });
    expect(big.status).toBe(413);
    expect(await big.text()).toContain("up to 1000 bytes");
  });

  test("an upload slower than the upstream timeout is not cut off: the clock runs while the upstream is quiet", async () => {
    // slow.test times out after 300 ms; this body takes about 900 ms to arrive.
    let pieces = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(c) {
        if (pieces === 6) return c.close();
        if (pieces++ > 0) await Bun.sleep(150);
        c.enqueue(new Uint8Array(1000));
      },
    });
    const res = await get("slow.test", "/upload", { method: "POST", body, duplex: "half" } as RequestInit);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ total: 6000 });
  });

  test("a 64 KB and a 1 MB response arrive intact", async () => {
    const big = startUpstream("big", (req) => {
      const n = Number(new URL(req.url).searchParams.get("n"));
      return new Response(new Uint8Array(n).fill(7));
    });
    await pool.publishRoutes([...baseRoutes(), route({ id: "big", host: "big.test", upstreams: [big.url] })]);
    for (const n of [65_536, 1_048_576]) {
      const buf = new Uint8Array(await (await get("big.test", `/?n=${n}`)).arrayBuffer());
      expect(buf.length).toBe(n);
      expect(buf.every((x) => x === 7)).toBe(true);
    }
    big.server.stop(true);
  });
});

test("WebSocket echo through the proxy", async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${httpPort}/ws`, {
    headers: { host: "ab.test" },
  } as unknown as string[]);
  const got: string[] = [];
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => {
      ws.send("ping1");
      ws.send("ping2");
    };
    ws.onmessage = (e) => {
      got.push(String(e.data));
      if (got.length === 2) resolve();
    };
    ws.onerror = () => reject(new Error("websocket error"));
  });
  ws.close();
  expect(got.map((m) => m.split(":")[1])).toEqual(["ping1", "ping2"]);
  expect(got[0]).toMatch(/^[ab]:/);
});

test("exchanges in flight are counted per origin until they end, tunnels included (a drain waits for 0)", async () => {
  const until = async (want: (n: number) => boolean, origins: string[]) => {
    for (let i = 0; i < 100; i++) {
      const n = await pool.inFlight(origins);
      if (want(n)) return n;
      await Bun.sleep(20);
    }
    throw new Error("in-flight count never reached the expected value");
  };
  expect(await pool.inFlight([slow.url])).toBe(0);
  const pending = get("held.test", "/sleep");
  expect(await until((n) => n === 1, [slow.url])).toBe(1);
  // Other origins do not count it (the previous test's WebSocket may still be closing: wait for it).
  expect(await until((n) => n === 0, [a.url, b.url])).toBe(0);
  expect(await (await pending).text()).toBe("late");
  expect(await until((n) => n === 0, [slow.url])).toBe(0);

  const ws = new WebSocket(`ws://127.0.0.1:${httpPort}/ws`, {
    headers: { host: "ab.test" },
  } as unknown as string[]);
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error("websocket error"));
  });
  expect(await until((n) => n === 1, [a.url, b.url])).toBe(1);
  ws.close();
  expect(await until((n) => n === 0, [a.url, b.url])).toBe(0);
});

test("request records reach onRecords in batches with route, app and status", async () => {
  await get("ab.test", "/rec");
  await Bun.sleep(300);
  const r = records.find((x) => x.host === "ab.test" && x.routeId === "ab");
  expect(r).toMatchObject({ appId: "app-ab", status: 200 });
  expect(records.some((x) => x.status === 404 && x.routeId === null)).toBe(true);
});

describe("route updates and workers", () => {
  test("after publish resolves no request reaches the old upstream", async () => {
    await pool.publishRoutes([...baseRoutes(), route({ id: "swap", host: "swap.test", upstreams: [a.url] })]);
    expect(((await (await get("swap.test")).json()) as { name: string }).name).toBe("a");
    const { version } = await pool.publishRoutes([
      ...baseRoutes(),
      route({ id: "swap", host: "swap.test", upstreams: [b.url] }),
    ]);
    expect(pool.stats().version).toBe(version);
    const names = await Promise.all(
      Array.from(
        { length: 200 },
        async () => ((await (await get("swap.test")).json()) as { name: string }).name,
      ),
    );
    expect(new Set(names)).toEqual(new Set(["b"]));
  });

  test("a crashed worker is respawned with the current table and counted", async () => {
    const before = pool.stats().respawns;
    pool.crashWorker(0);
    for (let i = 0; i < 50 && pool.stats().respawns === before; i++) await Bun.sleep(50);
    expect(pool.stats().respawns).toBe(before + 1);
    for (let i = 0; i < 50 && pool.stats().workers < 2; i++) await Bun.sleep(50);
    expect(pool.stats().workers).toBe(2);
    const names = await Promise.all(
      Array.from(
        { length: 60 },
        async () => ((await (await get("swap.test")).json()) as { name: string }).name,
      ),
    );
    expect(new Set(names)).toEqual(new Set(["b"]));
  });

  test("publishing 10,000 routes is acknowledged by all workers quickly", async () => {
    const many = Array.from({ length: 10_000 }, (_, i) =>
      route({ id: `r${i}`, host: `app${i}.many.test`, upstreams: [a.url] }),
    );
    const times: number[] = [];
    for (let i = 0; i < 5; i++) times.push((await pool.publishRoutes([...baseRoutes(), ...many])).ackMs);
    console.log(`10,000-route publish ack ms: ${times.map((t) => t.toFixed(1)).join(", ")}`);
    expect(Math.min(...times)).toBeLessThan(200);
    expect(((await (await get("app9999.many.test")).json()) as { name: string }).name).toBe("a");
  });
});
