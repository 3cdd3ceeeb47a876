import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Socket } from "bun";
import { type ProxyPool, startProxyPool } from "../main/proxy-pool.ts";
import { routeSpecSchema } from "../shared/route-spec.ts";
import { freePort, startUpstream } from "../testing/test-servers.ts";

/** Wire-level behaviour of the socket front that fetch() cannot show: pipelining, HTTP/1.0, chunked uploads, backpressure. */

let pulled = 0;
const up = startUpstream("front", (req) => {
  const path = new URL(req.url).pathname;
  if (path === "/chunked") {
    return new Response(
      new ReadableStream({
        start(c) {
          c.enqueue(new TextEncoder().encode("abc"));
          c.enqueue(new TextEncoder().encode("def"));
          c.close();
        },
      }),
    );
  }
  if (path === "/endless") {
    pulled = 0;
    const block = new Uint8Array(256 * 1024);
    return new Response(
      new ReadableStream({
        pull(c) {
          if (pulled >= 512 * 1024 * 1024) return c.close();
          pulled += block.length;
          c.enqueue(block);
        },
      }),
    );
  }
  if (path === "/early") return new Response("refused before the body", { status: 413 });
  if (path === "/count") {
    return (async () => {
      let total = 0;
      for await (const chunk of req.body!) total += chunk.byteLength;
      return new Response(`total=${total}`);
    })();
  }
  return undefined;
});
const httpPort = freePort();
let pool: ProxyPool;

beforeAll(async () => {
  pool = await startProxyPool({ workers: 1, httpPort, hostname: "127.0.0.1" });
  await pool.publishRoutes([
    routeSpecSchema.parse({ id: "f", host: "front.test", upstreams: [up.url] }),
    routeSpecSchema.parse({ id: "lim", host: "limit.test", upstreams: [up.url], maxBodyBytes: 10 }),
  ]);
});
afterAll(async () => {
  await pool.stop();
  up.server.stop(true);
});

/** Sends raw bytes and collects everything until the proxy closes or `until` matches. */
function raw(wire: string, until?: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    Bun.connect({
      hostname: "127.0.0.1",
      port: httpPort,
      socket: {
        open(s) {
          s.write(wire);
        },
        data(s, d) {
          text += d.toString("latin1");
          if (until?.(text)) {
            s.end();
            resolve(text);
          }
        },
        close() {
          resolve(text);
        },
        error(_s, e) {
          reject(e);
        },
      },
    }).catch(reject);
  });
}

test("pipelined requests are answered in order on one connection", async () => {
  const get = (p: string) => `GET ${p} HTTP/1.1\r\nhost: front.test\r\n\r\n`;
  const text = await raw(
    get("/one") + get("/two") + get("/three"),
    (t) => (t.match(/HTTP\/1\.1 200/g) ?? []).length === 3 && t.includes('"/three"'),
  );
  const paths = [...text.matchAll(/"path":"([^"]+)"/g)].map((m) => m[1]);
  expect(paths).toEqual(["/one", "/two", "/three"]);
});

test("an HTTP/1.0 client gets a de-chunked body and the connection closed", async () => {
  const text = await raw("GET /chunked HTTP/1.0\r\nhost: front.test\r\n\r\n");
  const [head, body] = text.split("\r\n\r\n");
  expect(head).toContain("connection: close");
  expect(head!.toLowerCase()).not.toContain("transfer-encoding");
  expect(body).toBe("abcdef");
});

test("an HTTP/1.0 request with Transfer-Encoding is a 400 and the connection closes (RFC 9112 6.1)", async () => {
  const text = await raw(
    "POST /count HTTP/1.0\r\nhost: front.test\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
  );
  expect(text).toStartWith("HTTP/1.1 400");
  expect(text).toContain("HTTP/1.0");
  expect(text).not.toContain("total=");
});

test("a chunked upload streams through; over the route limit it is cut off with 413", async () => {
  const chunk = (s: string) => `${s.length.toString(16)}\r\n${s}\r\n`;
  const ok = await raw(
    `POST /count HTTP/1.1\r\nhost: front.test\r\ntransfer-encoding: chunked\r\n\r\n${chunk("hello ")}${chunk("world")}0\r\n\r\n`,
    (t) => t.includes("total="),
  );
  expect(ok).toContain("total=11");
  const big = await raw(
    `POST /count HTTP/1.1\r\nhost: limit.test\r\ntransfer-encoding: chunked\r\n\r\n${chunk("x".repeat(20))}0\r\n\r\n`,
  );
  expect(big).toStartWith("HTTP/1.1 413");
});

test("an answer that comes before the request body is whole says connection: close", async () => {
  // The proxy closes such a connection after the answer; a client that kept it for the next request
  // would send that request into a closed socket (seen as ECONNRESET from fetch's pool).
  const text = await raw(
    `POST /early HTTP/1.1\r\nhost: front.test\r\ncontent-length: 1000000\r\n\r\n${"x".repeat(1000)}`,
  );
  const [head, body] = text.split("\r\n\r\n");
  expect(head).toStartWith("HTTP/1.1 413");
  expect(head!.toLowerCase()).toContain("connection: close");
  expect(body).toBe("refused before the body");
});

test("a client that stops reading stops the upstream too (backpressure, bounded memory)", async () => {
  let socket: Socket<undefined> | null = null;
  let received = 0;
  socket = await Bun.connect({
    hostname: "127.0.0.1",
    port: httpPort,
    socket: {
      data(_s, d) {
        received += d.length;
      },
    },
  });
  socket.write("GET /endless HTTP/1.1\r\nhost: front.test\r\n\r\n");
  for (let i = 0; i < 40 && received < 1024 * 1024; i++) await Bun.sleep(25);
  socket.pause();
  await Bun.sleep(1_500);
  const stalledAt = pulled;
  await Bun.sleep(500);
  // Without backpressure the proxy would read the upstream as fast as it produces (512 MB).
  expect(pulled).toBeLessThan(96 * 1024 * 1024);
  expect(pulled - stalledAt).toBeLessThan(8 * 1024 * 1024);
  socket.terminate();
});
