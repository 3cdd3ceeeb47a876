import { afterAll, beforeAll, expect, test } from "bun:test";
import { connect as h2connect } from "node:http2";
import { connect as tlsConnect } from "node:tls";
import type { ProxyPool } from "../../main/proxy-pool.ts";
import { routeSpecSchema } from "../../shared/route-spec.ts";
import { startUpstream } from "../../testing/test-servers.ts";
import { startTlsPool } from "../../testing/tls-pool.ts";

// HTTP/2 clients get the same deadlines as HTTP/1.1 ones: a header block left half-sent has the
// head timeout, and a request body that stops arriving the body timeout.

const openssl = Bun.which("openssl");
if (!openssl && process.env.CI === "true")
  throw new Error("openssl is required in CI: apt-get install openssl");
const HEAD_TIMEOUT_MS = 300;
const BODY_TIMEOUT_MS = 300;
/** Far beyond the timeouts above: a test that waits this long saw the connection held. */
const HELD_MS = 4_000;
// "/upload" answers only once the whole body came.
const up = startUpstream("h2-timeouts", (req) =>
  new URL(req.url).pathname === "/upload" ? req.arrayBuffer().then(() => new Response("whole")) : undefined,
);
let httpsPort = 0;
let pool: ProxyPool;

beforeAll(async () => {
  if (!openssl) return;
  ({ pool, httpsPort } = await startTlsPool("slow.test", {
    headTimeoutMs: HEAD_TIMEOUT_MS,
    bodyTimeoutMs: BODY_TIMEOUT_MS,
  }));
  await pool.publishRoutes([
    routeSpecSchema.parse({ id: "slow", host: "slow.test", upstreams: [up.url], upstreamTimeoutMs: 30_000 }),
  ]);
});
afterAll(async () => {
  await pool?.stop();
  up.server.stop(true);
});

function frame(type: number, flags: number, streamId: number, payload: Uint8Array): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(streamId, 5);
  return Buffer.concat([header, payload]);
}

const PREFACE = Buffer.concat([
  Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
  frame(4, 0, 0, new Uint8Array()),
]);

test.skipIf(!openssl)("a header block left unfinished is closed after the head timeout", async () => {
  const start = performance.now();
  const closedAfterMs = await new Promise<number | "held">((resolve) => {
    const tls = tlsConnect({
      host: "127.0.0.1",
      port: httpsPort,
      servername: "slow.test",
      rejectUnauthorized: false,
      ALPNProtocols: ["h2"],
    });
    // HEADERS without END_HEADERS (:method GET, :path /, :scheme https, indexed), then silence.
    tls.on("secureConnect", () =>
      tls.write(Buffer.concat([PREFACE, frame(1, 0, 1, Buffer.from([0x82, 0x84, 0x87]))])),
    );
    tls.on("data", () => {});
    tls.on("error", () => {});
    tls.on("close", () => resolve(Math.round(performance.now() - start)));
    setTimeout(() => {
      resolve("held");
      tls.destroy();
    }, HELD_MS);
  });
  expect(closedAfterMs).not.toBe("held");
  expect(closedAfterMs).toBeGreaterThanOrEqual(HEAD_TIMEOUT_MS - 50);
});

test.skipIf(!openssl)("a request body that stops arriving over HTTP/2 gets a 408", async () => {
  const client = h2connect(`https://127.0.0.1:${httpsPort}`, {
    rejectUnauthorized: false,
    servername: "slow.test",
  });
  client.on("error", () => {});
  const status = await new Promise<number | "held">((resolve) => {
    const req = client.request({
      ":method": "POST",
      ":path": "/upload",
      ":authority": "slow.test",
      "content-length": "100",
    });
    req.on("error", () => {});
    req.on("response", (headers) => resolve(Number(headers[":status"])));
    req.write("four");
    setTimeout(() => resolve("held"), HELD_MS);
  });
  client.destroy();
  expect(status).toBe(408);
});

test.skipIf(!openssl)(
  "a connection idle between requests longer than the head timeout stays usable",
  async () => {
    const client = h2connect(`https://127.0.0.1:${httpsPort}`, {
      rejectUnauthorized: false,
      servername: "slow.test",
    });
    client.on("error", () => {});
    const get = () =>
      new Promise<number>((resolve, reject) => {
        const req = client.request({ ":path": "/", ":authority": "slow.test" });
        req.on("error", reject);
        req.on("response", (headers) => resolve(Number(headers[":status"])));
        req.resume();
      });
    expect(await get()).toBe(200);
    await Bun.sleep(HEAD_TIMEOUT_MS * 3);
    expect(await get()).toBe(200);
    client.destroy();
  },
);
