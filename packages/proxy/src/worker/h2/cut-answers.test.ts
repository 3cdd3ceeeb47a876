import { afterAll, beforeAll, expect, test } from "bun:test";
import { connect, constants, createServer, type Http2Server } from "node:http2";
import type { TCPSocketListener } from "bun";
import { grpcFrame } from "../../../../../test/support/grpc-client.ts";
import type { ProxyPool } from "../../main/proxy-pool.ts";
import { routeSpecSchema } from "../../shared/route-spec.ts";
import { startTlsPool } from "../../testing/tls-pool.ts";

// An answer the upstream cuts short reaches an HTTP/2 client as a reset stream, never as a clean
// end it would take for the whole body; and an upload the proxy cuts reaches the upstream as a
// reset, never as a complete request.

const openssl = Bun.which("openssl");
if (!openssl && process.env.CI === "true")
  throw new Error("openssl is required in CI: apt-get install openssl");
let httpsPort = 0;
let pool: ProxyPool;
let http1: TCPSocketListener<undefined>;
let h2c: Http2Server;
/** How the h2c upstream saw each request stream end: "end" (complete) or its RST_STREAM code. */
const uploads: string[] = [];

beforeAll(async () => {
  if (!openssl) return;
  // A raw socket, so the cut is exactly this: a chunked head, a few chunks, then the close.
  http1 = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      data(socket) {
        const chunk = `10000\r\n${"x".repeat(0x10000)}\r\n`;
        socket.write(`HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n${chunk.repeat(4)}`);
        setTimeout(() => socket.end(), 20);
      },
    },
  });
  h2c = createServer();
  h2c.on("stream", (stream, headers) => {
    stream.on("error", () => {});
    if (headers[":path"] === "/upload") {
      stream.on("data", () => {});
      stream.on("end", () => uploads.push("end"));
      stream.on("close", () => {
        if (stream.rstCode !== constants.NGHTTP2_NO_ERROR) uploads.push(`rst ${stream.rstCode}`);
      });
      return;
    }
    stream.respond({ ":status": 200, "content-type": "application/grpc" });
    stream.write(grpcFrame("x".repeat(10_000)));
    setTimeout(() => stream.destroy(new Error("the app failed mid-answer")), 20);
  });
  await new Promise<void>((resolve) => h2c.listen(0, "127.0.0.1", () => resolve()));
  ({ pool, httpsPort } = await startTlsPool("cut.test"));
  await pool.publishRoutes([
    routeSpecSchema.parse({ id: "h1", host: "cut.test", upstreams: [`http://127.0.0.1:${http1.port}`] }),
    routeSpecSchema.parse({
      id: "h2c",
      host: "grpc.test",
      upstreams: [`http://127.0.0.1:${(h2c.address() as { port: number }).port}`],
      upstreamProtocol: "h2c",
      maxBodyBytes: 100_000,
    }),
  ]);
});
afterAll(async () => {
  await pool?.stop();
  http1?.stop(true);
  h2c?.close();
});

/** Reads one answer over HTTP/2: its status, the bytes that came and how the stream ended. */
function get(
  host: string,
  path: string,
  body?: Uint8Array[],
): Promise<{ status: number; bytes: number; ended: string }> {
  const client = connect(`https://127.0.0.1:${httpsPort}`, { rejectUnauthorized: false, servername: host });
  client.on("error", () => {});
  return new Promise((resolve) => {
    const req = client.request({ ":method": body ? "POST" : "GET", ":path": path, ":authority": host });
    let status = 0;
    let bytes = 0;
    let ended = "";
    req.on("response", (h) => {
      status = Number(h[":status"]);
    });
    req.on("data", (c: Buffer) => {
      bytes += c.length;
    });
    req.on("end", () => {
      ended ||= "end";
      // An upload the proxy answered early: the client gives up its side too.
      if (body) req.close();
    });
    req.on("error", () => {});
    req.on("close", () => {
      if (req.rstCode !== constants.NGHTTP2_NO_ERROR) ended = `rst ${req.rstCode}`;
      client.close();
      resolve({ status, bytes, ended });
    });
    if (body) {
      for (const piece of body) req.write(piece);
      // Left open: the proxy decides when the upload is over.
    } else req.end();
  });
}

test.skipIf(!openssl)("an HTTP/1.1 upstream's answer cut mid-body resets the client's stream", async () => {
  const r = await get("cut.test", "/");
  expect(r.status).toBe(200);
  expect(r.bytes).toBeGreaterThan(0);
  expect(r.ended).toBe(`rst ${constants.NGHTTP2_INTERNAL_ERROR}`);
});

test.skipIf(!openssl)("an h2c upstream that resets mid-answer resets the client's stream", async () => {
  const r = await get("grpc.test", "/demo.Greeter/Stream");
  expect(r.status).toBe(200);
  expect(r.ended).toBe(`rst ${constants.NGHTTP2_INTERNAL_ERROR}`);
});

test.skipIf(!openssl)(
  "an upload cut at the route's body limit reaches the h2c upstream as a reset, not a whole request",
  async () => {
    const r = await get(
      "grpc.test",
      "/upload",
      Array.from({ length: 4 }, () => new Uint8Array(40_000)),
    );
    expect(r.status).toBe(413);
    for (let i = 0; i < 50 && uploads.length === 0; i++) await Bun.sleep(20);
    expect(uploads).toEqual([`rst ${constants.NGHTTP2_INTERNAL_ERROR}`]);
  },
);

test.skipIf(!openssl)(
  "a client that cancels mid-upload cancels the h2c upstream's stream, which never sees the end of it",
  async () => {
    uploads.length = 0;
    const client = connect(`https://127.0.0.1:${httpsPort}`, {
      rejectUnauthorized: false,
      servername: "grpc.test",
    });
    client.on("error", () => {});
    try {
      const req = client.request({ ":method": "POST", ":path": "/upload", ":authority": "grpc.test" });
      req.on("error", () => {});
      req.write(new Uint8Array(10_000));
      await Bun.sleep(100);
      // Destroyed, not closed: Bun's close(code) would send END_STREAM before the RST_STREAM
      // (reset-stream.ts), and the upload would be whole; browsers and gRPC clients send the reset alone.
      req.destroy(new Error("the user cancelled"));
      for (let i = 0; i < 50 && uploads.length === 0; i++) await Bun.sleep(20);
      expect(uploads).toEqual([`rst ${constants.NGHTTP2_INTERNAL_ERROR}`]);
    } finally {
      client.close();
    }
  },
);
