import { afterAll, beforeAll, expect, test } from "bun:test";
import { connect } from "node:http2";
import type { ProxyPool } from "../../main/proxy-pool.ts";
import { routeSpecSchema } from "../../shared/route-spec.ts";
import { startUpstream } from "../../testing/test-servers.ts";
import { startTlsPool } from "../../testing/tls-pool.ts";

// An HTTP/2 upload without content-length goes through the engine as the bridge's HTTP/1.0 head
// with a chunked body (h1-translation.ts). HTTP/1.0 clients that send Transfer-Encoding are
// refused (request-head.ts); the bridge's heads must still pass, or such uploads would all be 400s.

const openssl = Bun.which("openssl");
if (!openssl && process.env.CI === "true")
  throw new Error("openssl is required in CI: apt-get install openssl");
let httpsPort = 0;
let pool: ProxyPool;
const up = startUpstream("up", (req) => {
  if (new URL(req.url).pathname !== "/count") return undefined;
  return (async () => new Response(`got ${(await req.text()).length} bytes`))();
});

beforeAll(async () => {
  if (!openssl) return;
  ({ pool, httpsPort } = await startTlsPool("upload.test"));
  await pool.publishRoutes([routeSpecSchema.parse({ id: "u", host: "upload.test", upstreams: [up.url] })]);
});
afterAll(async () => {
  await pool?.stop();
  up.server.stop(true);
});

test.skipIf(!openssl)(
  "an HTTP/2 upload without content-length reaches an HTTP/1.1 upstream whole",
  async () => {
    const client = connect(`https://127.0.0.1:${httpsPort}`, {
      rejectUnauthorized: false,
      servername: "upload.test",
    });
    client.on("error", () => {});
    try {
      const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = client.request({ ":method": "POST", ":path": "/count", ":authority": "upload.test" });
        let status = 0;
        let body = "";
        req.on("response", (h) => {
          status = Number(h[":status"]);
        });
        req.on("data", (d: Buffer) => {
          body += d.toString();
        });
        req.on("end", () => resolve({ status, body }));
        req.on("error", reject);
        req.write("hello ");
        req.end("world");
      });
      expect([status, body]).toEqual([200, "got 11 bytes"]);
    } finally {
      client.close();
    }
  },
);
