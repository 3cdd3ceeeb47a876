import { afterAll, beforeAll, expect, test } from "bun:test";
import { connect as tcpConnect } from "node:net";
import { connect } from "node:tls";
import type { ProxyPool } from "../main/proxy-pool.ts";
import { routeSpecSchema } from "../shared/route-spec.ts";
import { startUpstream } from "../testing/test-servers.ts";
import { startTlsPool } from "../testing/tls-pool.ts";

// The head timeout starts when the TLS handshake ends, not when the TCP connection opens: a
// handshake that queued behind others on a busy machine must not cost the client its request.

const openssl = Bun.which("openssl");
if (!openssl && process.env.CI === "true")
  throw new Error("openssl is required in CI: apt-get install openssl");
const HEAD_TIMEOUT_MS = 300;
const up = startUpstream("tls-late");
let httpsPort = 0;
let pool: ProxyPool;

beforeAll(async () => {
  if (!openssl) return;
  ({ pool, httpsPort } = await startTlsPool("late.test", { headTimeoutMs: HEAD_TIMEOUT_MS }));
  await pool.publishRoutes([routeSpecSchema.parse({ id: "late", host: "late.test", upstreams: [up.url] })]);
});
afterAll(async () => {
  await pool?.stop();
  up.server.stop(true);
});

/** Opens TCP, waits `handshakeAfterMs`, shakes hands, waits `requestAfterMs`, then asks; what came back. */
function lateClient(handshakeAfterMs: number, requestAfterMs: number): Promise<string> {
  return new Promise((resolve) => {
    const tcp = tcpConnect({ host: "127.0.0.1", port: httpsPort }, () => {
      setTimeout(() => {
        const tls = connect({ socket: tcp, servername: "late.test", rejectUnauthorized: false }, () => {
          setTimeout(() => {
            if (!tls.destroyed) tls.write("GET / HTTP/1.1\r\nhost: late.test\r\nconnection: close\r\n\r\n");
          }, requestAfterMs);
        });
        let got = "";
        tls.on("data", (d: Buffer) => {
          got += d.toString();
        });
        tls.on("close", () => resolve(got === "" ? "closed without an answer" : got.split("\r\n")[0]!));
        tls.on("error", () => resolve("error"));
      }, handshakeAfterMs);
    });
    tcp.on("error", () => resolve("error"));
  });
}

test.skipIf(!openssl)(
  "a handshake that starts after the head timeout still gets its request served",
  async () => {
    expect(await lateClient(HEAD_TIMEOUT_MS * 2, 0)).toBe("HTTP/1.1 200 OK");
  },
);

test.skipIf(!openssl)("after the handshake, the head timeout applies as on plain HTTP", async () => {
  expect(await lateClient(0, HEAD_TIMEOUT_MS * 3)).toBe("closed without an answer");
});
