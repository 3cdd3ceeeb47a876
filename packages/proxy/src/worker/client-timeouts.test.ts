import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Socket, TCPSocketListener } from "bun";
import { type ProxyPool, startProxyPool } from "../main/proxy-pool.ts";
import { routeSpecSchema } from "../shared/route-spec.ts";
import { freePort } from "../testing/test-servers.ts";

// A client that stops sending a body, or stops reading an answer, must not hold its connection
// (and the upstream socket behind it) for good: slowloris and slow read (RFC 9112 9.5).

const BODY_TIMEOUT_MS = 300;
const SEND_TIMEOUT_MS = 500;
/** Far beyond the timeouts above: a test that waits this long saw the connection held. */
const HELD_MS = 4_000;
/** Bytes of the big answer: more than the kernel buffers on both sides of the proxy hold. */
const BIG = 64 * 1024 * 1024;

/** What the raw upstream saw: closes of connections that got a request, those that sent `/big`, and the bytes. */
const upstream = { closes: 0, bigCloses: 0, received: "" };

/**
 * A raw upstream: `/big` is answered with BIG bytes, written as fast as the proxy takes them;
 * anything else waits for the request body, which never comes whole in these tests.
 */
function startRawUpstream(): TCPSocketListener<{ left: number; big: boolean }> {
  const block = Buffer.alloc(256 * 1024, 120);
  const pump = (s: Socket<{ left: number; big: boolean }>) => {
    while (s.data.left > 0) {
      const piece = s.data.left >= block.length ? block : block.subarray(0, s.data.left);
      const written = s.write(piece);
      s.data.left -= Math.max(written, 0);
      if (written < piece.length) return;
    }
  };
  return Bun.listen<{ left: number; big: boolean }>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(s) {
        s.data = { left: 0, big: false };
      },
      data(s, d) {
        upstream.received += d.toString("latin1");
        if (!upstream.received.startsWith("GET /big ")) return;
        s.write(`HTTP/1.1 200 OK\r\ncontent-length: ${BIG}\r\n\r\n`);
        s.data.left = BIG;
        s.data.big = true;
        pump(s);
      },
      drain: pump,
      close(s) {
        upstream.closes++;
        if (s.data.big && s.data.left > 0) upstream.bigCloses++;
      },
    },
  });
}

const raw = startRawUpstream();
const httpPort = freePort();
let pool: ProxyPool;

beforeAll(async () => {
  pool = await startProxyPool({
    workers: 1,
    httpPort,
    hostname: "127.0.0.1",
    bodyTimeoutMs: BODY_TIMEOUT_MS,
    sendTimeoutMs: SEND_TIMEOUT_MS,
  });
  await pool.publishRoutes([
    routeSpecSchema.parse({
      id: "t",
      host: "timeouts.test",
      upstreams: [`http://127.0.0.1:${raw.port}`],
      // Long, so that only the client-side timeouts can end these exchanges in time.
      upstreamTimeoutMs: 30_000,
    }),
  ]);
  await pool.setBeaconHandler(() => {});
});
afterAll(async () => {
  await pool.stop();
  raw.stop(true);
});

/** Sends `wire`, then nothing: what came back and when the proxy closed, or "held" after HELD_MS. */
function sendAndWait(wire: string): Promise<{ text: string; closedAfterMs: number | "held" }> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    let text = "";
    const done = (closedAfterMs: number | "held") => resolve({ text, closedAfterMs });
    Bun.connect({
      hostname: "127.0.0.1",
      port: httpPort,
      socket: {
        open(s) {
          s.write(wire);
          setTimeout(() => {
            done("held");
            s.terminate();
          }, HELD_MS);
        },
        data(_s, d) {
          text += d.toString("latin1");
        },
        close() {
          done(Math.round(performance.now() - start));
        },
        error(_s, e) {
          reject(e);
        },
      },
    }).catch(reject);
  });
}

test("a beacon body that stops arriving gets a 408 and the connection closes", async () => {
  const { text, closedAfterMs } = await sendAndWait(
    'POST /_pier/event HTTP/1.1\r\nhost: timeouts.test\r\ncontent-type: text/plain\r\ncontent-length: 4000\r\n\r\n{"a"',
  );
  expect(closedAfterMs).not.toBe("held");
  expect(closedAfterMs).toBeGreaterThanOrEqual(BODY_TIMEOUT_MS - 50);
  expect(text).toStartWith("HTTP/1.1 408");
  expect(text).toContain("the request body stopped arriving");
});

test("a forwarded body that stops arriving gets a 408, and the upstream socket is closed", async () => {
  upstream.received = "";
  const closesBefore = upstream.closes;
  const { text, closedAfterMs } = await sendAndWait(
    "POST /upload HTTP/1.1\r\nhost: timeouts.test\r\ncontent-length: 1000\r\n\r\nfirst bytes",
  );
  expect(closedAfterMs).not.toBe("held");
  expect(text).toStartWith("HTTP/1.1 408");
  // The upstream got the head and the first bytes; its socket is mid-request, never pooled.
  expect(upstream.received).toContain("first bytes");
  for (let i = 0; i < 40 && upstream.closes === closesBefore; i++) await Bun.sleep(25);
  expect(upstream.closes).toBe(closesBefore + 1);
});

test("a body whose first bytes never come gets a 408 too", async () => {
  const { text, closedAfterMs } = await sendAndWait(
    "POST /upload HTTP/1.1\r\nhost: timeouts.test\r\ncontent-length: 10\r\n\r\n",
  );
  expect(closedAfterMs).not.toBe("held");
  expect(text).toStartWith("HTTP/1.1 408");
});

test("a client that stops reading is cut after the send timeout, with the upstream socket", async () => {
  upstream.received = "";
  const closesBefore = upstream.bigCloses;
  let received = 0;
  let closed = false;
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port: httpPort,
    socket: {
      data(_s, d) {
        received += d.length;
      },
      close() {
        closed = true;
      },
    },
  });
  socket.write("GET /big HTTP/1.1\r\nhost: timeouts.test\r\n\r\n");
  for (let i = 0; i < 40 && received === 0; i++) await Bun.sleep(25);
  socket.pause();
  const pausedAt = performance.now();
  for (let i = 0; i < HELD_MS / 25 && upstream.bigCloses === closesBefore; i++) await Bun.sleep(25);
  const upstreamClosedAfter = performance.now() - pausedAt;
  socket.resume();
  for (let i = 0; i < 80 && !closed; i++) await Bun.sleep(25);
  const takenAfterResume = received;
  if (!closed) socket.terminate();
  // Without a send timeout the upstream stays blocked on its write, and the client connection
  // open, for as long as the client pleases.
  expect(upstream.bigCloses).toBe(closesBefore + 1);
  expect(upstreamClosedAfter).toBeLessThan(HELD_MS - 500);
  expect(closed).toBe(true);
  expect(takenAfterResume).toBeLessThan(BIG);
});

test("a slow reader that keeps taking bytes gets the whole answer", async () => {
  upstream.received = "";
  let received = 0;
  let closed = false;
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port: httpPort,
    socket: {
      data(_s, d) {
        received += d.length;
      },
      close() {
        closed = true;
      },
    },
  });
  socket.write("GET /big HTTP/1.1\r\nhost: timeouts.test\r\n\r\n");
  // Reads in bursts with pauses shorter than the send timeout, yet the whole download takes
  // many times that timeout.
  const start = performance.now();
  while (received < BIG && !closed && performance.now() - start < 20_000) {
    socket.pause();
    await Bun.sleep(SEND_TIMEOUT_MS / 2);
    socket.resume();
    await Bun.sleep(10);
  }
  const tookMs = performance.now() - start;
  const cut = closed;
  socket.terminate();
  expect(cut).toBe(false);
  expect(received).toBeGreaterThan(BIG);
  expect(tookMs).toBeGreaterThan(2 * SEND_TIMEOUT_MS);
}, 30_000);
