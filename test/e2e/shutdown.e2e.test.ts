import { afterAll, describe, expect, test } from "bun:test";
import type { Server } from "bun";
import { type PierProcess, startPier } from "../support/pier-process.ts";

// A graceful stop of the compiled binary (review findings 12 and 14): on SIGTERM nothing new is
// accepted, what is in flight finishes, and every queue (proxy workers -> main thread -> store) is
// written before pier exits. All traffic stays on 127.0.0.1; every loop is bounded.

const adminToken = `pier_shutdown${crypto.randomUUID().replaceAll("-", "")}`;
const chrome =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const upstream: Server<unknown> = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(req, server) {
    const path = new URL(req.url).pathname;
    if (path === "/ws" && server.upgrade(req, { data: undefined })) return undefined;
    if (path === "/slow") await Bun.sleep(2_000);
    return new Response(`answered ${path}`);
  },
  websocket: {
    message(ws, message) {
      ws.send(`echo:${message}`);
    },
  },
});
const started: PierProcess[] = [];
afterAll(async () => {
  for (const pier of started) await pier.stop("SIGKILL");
  upstream.stop(true);
});

async function start(dataDir?: string): Promise<PierProcess> {
  const pier = await startPier({
    dataDir,
    env: { PIER_ADMIN_TOKEN: adminToken },
    args: ["--proxy-workers", "2", "--shutdown-timeout", "10s"],
  });
  started.push(pier);
  return pier;
}

async function addRoute(pier: PierProcess, host: string) {
  const res = await fetch(`${pier.url}/api/v1/routes`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ host, upstreams: [`http://127.0.0.1:${upstream.port}`] }),
  });
  expect(res.status).toBe(201);
}

/** SIGTERM, and how the process ended (pier.stop would SIGKILL after 10 s). */
async function terminate(pier: PierProcess): Promise<number> {
  pier.proc.kill("SIGTERM");
  const timer = setTimeout(() => pier.proc.kill("SIGKILL"), 20_000);
  const code = await pier.proc.exited;
  clearTimeout(timer);
  return code;
}

describe("SIGTERM", () => {
  test("2,000 beacons through the proxy with SIGTERM in the burst: every beacon answered 202 is stored", async () => {
    const pier = await start();
    await addRoute(pier, "beacons.test");
    const total = 2_000;
    let next = 0;
    let accepted = 0;
    let refused = 0;
    let exited: Promise<number> | null = null;
    // 50 senders on keep-alive connections; SIGTERM goes out once 1,500 were answered, while the
    // last 500 are still being sent: those the proxy still answered 202 must be kept too.
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (next < total) {
          const i = next++;
          try {
            const res = await fetch(`http://127.0.0.1:${pier.httpPort}/_pier/event`, {
              method: "POST",
              headers: { host: "beacons.test", "content-type": "text/plain", "user-agent": chrome },
              body: JSON.stringify({ n: "pageview", u: `https://beacons.test/page/${i}` }),
              signal: AbortSignal.timeout(10_000),
            });
            await res.arrayBuffer();
            if (res.status === 202) accepted++;
            else refused++;
          } catch {
            refused++;
          }
          if (accepted + refused === 1_500 && exited === null) exited = terminate(pier);
        }
      }),
    );
    expect(accepted).toBeGreaterThanOrEqual(1_500);
    expect(accepted + refused).toBe(total);
    expect(await exited!).toBe(0);

    const again = await start(pier.dataDir);
    const res = await fetch(`${again.url}/api/v1/analytics/beacons.test/overview?period=day`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(res.status).toBe(200);
    const { overview } = (await res.json()) as { overview: { pageviews: number } };
    console.log(`beacons answered 202: ${accepted}, refused after the listeners closed: ${refused}`);
    expect(overview.pageviews).toBe(accepted);
    await again.stop();
  }, 90_000);

  test("requests in flight finish with 200 while new connections are refused once the listeners closed", async () => {
    const pier = await start();
    await addRoute(pier, "slow.test");
    const url = `http://127.0.0.1:${pier.httpPort}`;
    const inFlight = Array.from({ length: 5 }, (_, i) =>
      fetch(`${url}/slow`, {
        headers: { host: "slow.test", "x-n": String(i) },
        signal: AbortSignal.timeout(15_000),
      }),
    );
    const ws = new WebSocket(`ws://127.0.0.1:${pier.httpPort}/ws`, {
      headers: { host: "slow.test" },
    } as unknown as string[]);
    const wsClosed = new Promise<CloseEvent>((resolve) => ws.addEventListener("close", resolve));
    await new Promise((resolve) => ws.addEventListener("open", resolve));
    await Bun.sleep(300);
    const stopping = performance.now();
    pier.proc.kill("SIGTERM");
    // New connections: refused as soon as every worker closed its listener, long before the slow
    // answers come.
    let refusedAfter = -1;
    for (let i = 0; i < 100 && refusedAfter === -1; i++) {
      const outcome = await Bun.connect({
        hostname: "127.0.0.1",
        port: pier.httpPort,
        socket: { data() {} },
      }).then(
        (socket) => {
          socket.end();
          return "connected";
        },
        () => "refused",
      );
      if (outcome === "refused") refusedAfter = performance.now() - stopping;
      else await Bun.sleep(20);
    }
    expect(refusedAfter).toBeGreaterThanOrEqual(0);
    expect(refusedAfter).toBeLessThan(1_500);
    const answers = await Promise.all(inFlight);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(await Promise.all(answers.map((r) => r.text()))).toEqual(Array(5).fill("answered /slow"));
    expect((await wsClosed).code).toBe(1001);
    const code = await pier.proc.exited;
    expect(code).toBe(0);
    expect(performance.now() - stopping).toBeLessThan(10_000);
  }, 60_000);
});
