import { afterAll, beforeAll, expect, test } from "bun:test";
import { connect, type IncomingHttpHeaders } from "node:http2";
import type { TCPSocketListener } from "bun";
import type { ProxyPool } from "../../main/proxy-pool.ts";
import { routeSpecSchema } from "../../shared/route-spec.ts";
import { startTlsPool } from "../../testing/tls-pool.ts";

// 103 Early Hints reach HTTP/2 clients as an interim HEADERS frame before the answer, as they reach
// HTTP/1.1 clients: browsers act on them over HTTP/2 and HTTP/3 only. Other 1xx (an unasked 100
// Continue) are not passed on; a client's expect: 100-continue is answered by the proxy itself.

const openssl = Bun.which("openssl");
if (!openssl && process.env.CI === "true")
  throw new Error("openssl is required in CI: apt-get install openssl");
let httpsPort = 0;
let pool: ProxyPool;
let upstream: TCPSocketListener<undefined>;
/** What reached the app for uploads (one entry, grown as pieces arrive). */
const uploads: string[] = [];

const HINTS =
  "HTTP/1.1 103 Early Hints\r\nlink: </app.css>; rel=preload; as=style\r\nlink: </app.js>; rel=preload; as=script\r\n\r\n";

beforeAll(async () => {
  if (!openssl) return;
  // Raw, so each answer is exactly these bytes: the hints, a pause (the app "thinking"), the answer.
  upstream = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      data(socket, chunk) {
        const text = chunk.toString("latin1");
        const path = text.split(" ")[1];
        if (path === "/upload" || !text.startsWith("GET ")) {
          // The upload's head and body, in whatever pieces: answered once the body is in.
          uploads.push((uploads.pop() ?? "") + text);
          if (uploads.at(-1)!.includes("payload"))
            socket.write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
          return;
        }
        socket.write(path === "/continue" ? "HTTP/1.1 100 Continue\r\n\r\n" : HINTS);
        setTimeout(() => socket.write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"), 100);
      },
    },
  });
  ({ pool, httpsPort } = await startTlsPool("hints.test"));
  await pool.publishRoutes([
    routeSpecSchema.parse({ id: "h", host: "hints.test", upstreams: [`http://127.0.0.1:${upstream.port}`] }),
  ]);
});
afterAll(async () => {
  await pool?.stop();
  upstream?.stop(true);
});

/** The interim header blocks (node:http2's "headers" event), the answer's status and body. */
function get(path: string): Promise<{ interim: IncomingHttpHeaders[]; status: number; body: string }> {
  const c = connect(`https://127.0.0.1:${httpsPort}`, {
    rejectUnauthorized: false,
    servername: "hints.test",
  });
  return new Promise<{ interim: IncomingHttpHeaders[]; status: number; body: string }>((resolve, reject) => {
    const req = c.request({ ":path": path, ":authority": "hints.test" });
    const interim: IncomingHttpHeaders[] = [];
    let status = 0;
    let body = "";
    req.on("headers", (h) => interim.push(h));
    req.on("response", (h) => {
      status = Number(h[":status"]);
    });
    req.on("data", (d: Buffer) => {
      body += d.toString();
    });
    req.on("end", () => resolve({ interim, status, body }));
    req.on("error", reject);
  }).finally(() => c.close());
}

test.skipIf(!openssl)("an upstream's 103 Early Hints reach an HTTP/2 client before the answer", async () => {
  const { interim, status, body } = await get("/");
  expect(interim.map((h) => [Number(h[":status"]), h.link])).toEqual([
    [103, "</app.css>; rel=preload; as=style, </app.js>; rel=preload; as=script"],
  ]);
  expect([status, body]).toEqual([200, "ok"]);
});

test.skipIf(!openssl)(
  "a client that sends expect: 100-continue gets the go-ahead and its body reaches the app",
  async () => {
    const c = connect(`https://127.0.0.1:${httpsPort}`, {
      rejectUnauthorized: false,
      servername: "hints.test",
    });
    try {
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        // Like curl with a large upload: the body waits for the 100 (node:http2's "continue").
        const req = c.request(
          { ":method": "POST", ":path": "/upload", ":authority": "hints.test", expect: "100-continue" },
          { endStream: false },
        );
        let status = 0;
        let body = "";
        req.on("continue", () => req.end("payload"));
        req.on("response", (h) => {
          status = Number(h[":status"]);
        });
        req.on("data", (d: Buffer) => {
          body += d.toString();
        });
        req.on("end", () => resolve({ status, body }));
        req.on("error", reject);
      });
      expect(answer).toEqual({ status: 200, body: "ok" });
      expect(uploads.some((u) => u.includes("payload"))).toBe(true);
    } finally {
      c.close();
    }
  },
);

test.skipIf(!openssl)("an upstream's 100 Continue is not passed on; the answer is", async () => {
  const { interim, status, body } = await get("/continue");
  expect(interim).toEqual([]);
  expect([status, body]).toEqual([200, "ok"]);
});
