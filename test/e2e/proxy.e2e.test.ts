import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Server } from "bun";
import { type PierProcess, startPier } from "../support/pier-process.ts";

// The proxy through the compiled binary: routes come in over the API, traffic goes through the
// worker pool on the HTTP port, upstreams are small local servers.
const adminToken = `pier_proxy${crypto.randomUUID().replaceAll("-", "")}`;
let pier: PierProcess;
const upstreams: Server<unknown>[] = [];

function upstream(name: string, extra?: (req: Request) => Response | undefined): Server<unknown> {
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req, srv) {
      const url = new URL(req.url);
      if (url.pathname === "/ws" && srv.upgrade(req, { data: undefined })) return undefined;
      return extra?.(req) ?? new Response(`${name} ${url.pathname}`, { headers: { "x-upstream": name } });
    },
    websocket: {
      message: (ws, message) => {
        ws.send(`echo:${message}`);
      },
    },
  });
  upstreams.push(server);
  return server;
}
const origin = (server: Server<unknown>) => `http://127.0.0.1:${server.port}`;

async function addRoute(body: Record<string, unknown>) {
  const res = await fetch(`${pier.url}/api/v1/routes`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
  return (await res.json()).route as { id: string };
}

async function deleteRoute(id: string) {
  const res = await fetch(`${pier.url}/api/v1/routes/${id}`, {
    method: "DELETE",
    headers: { authorization: `Bearer ${adminToken}` },
  });
  expect(res.status).toBe(200);
}

/** A fresh connection per request so the kernel spreads requests over every worker. */
function viaProxy(host: string, path = "/", init: RequestInit = {}) {
  return fetch(`http://127.0.0.1:${pier.httpPort}${path}`, {
    ...init,
    headers: { ...(init.headers as Record<string, string>), host, connection: "close" },
  });
}

beforeAll(async () => {
  pier = await startPier({ env: { PIER_ADMIN_TOKEN: adminToken }, args: ["--proxy-workers", "2"] });
});
afterAll(async () => {
  await pier?.stop();
  for (const server of upstreams) server.stop(true);
});

describe("proxy through pier serve", () => {
  test("exact host, wildcard and longest path prefix with strip", async () => {
    const a = upstream("a");
    const b = upstream("b");
    const c = upstream("c");
    await addRoute({ host: "shop.test", upstreams: [origin(a)] });
    await addRoute({ host: "*.shop.test", upstreams: [origin(b)] });
    await addRoute({ host: "shop.test", pathPrefix: "/api", stripPrefix: true, upstreams: [origin(c)] });
    expect(await (await viaProxy("shop.test", "/home")).text()).toBe("a /home");
    expect(await (await viaProxy("eu.shop.test", "/")).text()).toBe("b /");
    expect(await (await viaProxy("shop.test", "/api/orders?x=1")).text()).toBe("c /orders");
  });

  test("forwarded headers and request id", async () => {
    const echo = upstream("echo", (req) =>
      Response.json({
        xff: req.headers.get("x-forwarded-for"),
        proto: req.headers.get("x-forwarded-proto"),
        host: req.headers.get("x-forwarded-host"),
        id: req.headers.get("x-request-id"),
      }),
    );
    await addRoute({ host: "echo.test", upstreams: [origin(echo)] });
    const body = await (await viaProxy("echo.test", "/", { headers: { "x-request-id": "req-123" } })).json();
    expect(body).toEqual({ xff: "127.0.0.1", proto: "http", host: "echo.test", id: "req-123" });
  });

  test("a streamed response arrives in pieces, SSE passes through at once", async () => {
    const slow = upstream("slow", (req) => {
      const sse = new URL(req.url).pathname === "/sse";
      const stream = new ReadableStream({
        async start(controller) {
          controller.enqueue(new TextEncoder().encode(sse ? "data: one\n\n" : "first "));
          await Bun.sleep(700);
          controller.enqueue(new TextEncoder().encode(sse ? "data: two\n\n" : "second"));
          controller.close();
        },
      });
      return new Response(stream, { headers: sse ? { "content-type": "text/event-stream" } : {} });
    });
    await addRoute({ host: "stream.test", upstreams: [origin(slow)] });
    for (const [path, first] of [
      ["/", "first "],
      ["/sse", "data: one\n\n"],
    ] as const) {
      const started = performance.now();
      const res = await viaProxy("stream.test", path);
      const reader = res.body!.getReader();
      const chunk = await reader.read();
      expect(new TextDecoder().decode(chunk.value)).toBe(first);
      expect(performance.now() - started).toBeLessThan(600);
      let rest = "";
      for (let next = await reader.read(); !next.done; next = await reader.read()) {
        rest += new TextDecoder().decode(next.value);
      }
      expect(rest.length).toBeGreaterThan(0);
    }
  });

  test("WebSocket echo through the proxy", async () => {
    const ws = upstream("ws");
    await addRoute({ host: "ws.test", upstreams: [origin(ws)] });
    const socket = new WebSocket(`ws://127.0.0.1:${pier.httpPort}/ws`, {
      headers: { host: "ws.test" },
    } as never);
    const reply = await new Promise<string>((resolve, reject) => {
      socket.onopen = () => socket.send("hello");
      socket.onmessage = (event) => resolve(String(event.data));
      socket.onerror = () => reject(new Error("websocket failed"));
      setTimeout(() => reject(new Error("websocket timed out")), 5000);
    });
    socket.close();
    expect(reply).toBe("echo:hello");
  });

  test("a large upload is streamed to the upstream intact; max body size gives 413", async () => {
    const sink = upstream("sink", (req) => {
      if (req.method !== "POST") return undefined;
      return (async () => {
        const hasher = new Bun.CryptoHasher("sha256");
        let bytes = 0;
        for await (const chunk of req.body!) {
          hasher.update(chunk);
          bytes += chunk.byteLength;
        }
        return Response.json({ bytes, sha: hasher.digest("hex") });
      })() as unknown as Response;
    });
    await addRoute({ host: "upload.test", upstreams: [origin(sink)] });
    await addRoute({ host: "small.test", upstreams: [origin(sink)], maxBodyBytes: 1024 });
    const payload = crypto.getRandomValues(new Uint8Array(64 * 1024)).buffer;
    const big = new Uint8Array(20 * 1024 * 1024);
    for (let i = 0; i < big.length; i += payload.byteLength) big.set(new Uint8Array(payload), i);
    const res = await viaProxy("upload.test", "/", { method: "POST", body: big });
    const body = await res.json();
    expect(body.bytes).toBe(big.byteLength);
    expect(body.sha).toBe(new Bun.CryptoHasher("sha256").update(big).digest("hex"));
    const tooBig = await viaProxy("small.test", "/", { method: "POST", body: new Uint8Array(4096) });
    expect(tooBig.status).toBe(413);
  });

  test("clear 404, 502 and 504 pages", async () => {
    const unknown = await viaProxy("nobody.test");
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain("nobody.test");
    await addRoute({ host: "down.test", upstreams: ["http://127.0.0.1:1"] });
    const down = await viaProxy("down.test");
    expect(down.status).toBe(502);
    const hang = upstream("hang", () => new Promise<Response>(() => {}) as unknown as Response);
    await addRoute({ host: "hang.test", upstreams: [origin(hang)], upstreamTimeoutMs: 300 });
    const timeout = await viaProxy("hang.test");
    expect(timeout.status).toBe(504);
  });

  test("after a route update no request reaches the old upstream, on any worker", async () => {
    const before = upstream("before");
    const after = upstream("after");
    const route = await addRoute({ host: "swap.test", upstreams: [origin(before)] });
    expect((await viaProxy("swap.test")).headers.get("x-upstream")).toBe("before");
    await deleteRoute(route.id);
    await addRoute({ host: "swap.test", upstreams: [origin(after)] });
    const seen = new Set<string>();
    for (let i = 0; i < 100; i++) {
      seen.add((await viaProxy("swap.test")).headers.get("x-upstream") ?? "none");
    }
    expect([...seen]).toEqual(["after"]);
  });

  test("invalid routes are refused with a clear error", async () => {
    const res = await fetch(`${pier.url}/api/v1/routes`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ host: "bad host", upstreams: [] }),
    });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.message).toContain("host");
    expect(body.error.message).toContain("upstream");
  });

  test("worker pool status is visible in the API", async () => {
    const res = await fetch(`${pier.url}/api/v1/proxy`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    const body = await res.json();
    expect(body).toMatchObject({ enabled: true, workers: 2, respawns: 0, httpPort: pier.httpPort });
    expect(body.version).toBeGreaterThan(1);
  });

  test("request records reach the main thread and are stored as per-minute aggregates", async () => {
    const deadline = Date.now() + 10_000;
    let requests = 0;
    while (Date.now() < deadline) {
      const db = new Database(join(pier.dataDir, "pier.db"), { readonly: true });
      const row = db
        .query<{ n: number | null; s5: number | null }, []>(
          "SELECT sum(requests) AS n, sum(status_5xx) AS s5 FROM request_metrics",
        )
        .get();
      db.close();
      requests = row?.n ?? 0;
      if (requests >= 100 && (row?.s5 ?? 0) >= 2) break;
      await Bun.sleep(250);
    }
    // More than the swap test's 100 requests alone, with the 502 and 504 among them.
    expect(requests).toBeGreaterThanOrEqual(100);
  });
});
