import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:tls";
import { opensslSelfSigned } from "../../../../test/support/openssl.ts";
import { type ProxyPool, startProxyPool } from "../main/proxy-pool.ts";
import { routeSpecSchema } from "../shared/route-spec.ts";
import { freePort, startUpstream } from "../testing/test-servers.ts";

const openssl = Bun.which("openssl");
if (!openssl && process.env.CI === "true")
  throw new Error("openssl is required in CI: apt-get install openssl");
const dir = mkdtempSync(join(tmpdir(), "pier-proxy-tls-"));

function selfSigned(name: string) {
  const { cert, key } = opensslSelfSigned(dir, name, [`DNS:${name}`]);
  return { serverName: name, cert: readFileSync(cert, "utf8"), key: readFileSync(key, "utf8") };
}

/** The CN of the certificate the proxy presents for `servername`, and the body of a GET. */
function handshake(port: number, servername: string): Promise<{ cn: string; body: string }> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: "127.0.0.1", port, servername, rejectUnauthorized: false }, () => {
      const cn = String(sock.getPeerCertificate().subject?.CN);
      sock.write(`GET / HTTP/1.1\r\nhost: ${servername}\r\nconnection: close\r\n\r\n`);
      let body = "";
      sock.on("data", (d: Buffer) => {
        body += d.toString();
      });
      sock.on("end", () => resolve({ cn, body }));
    });
    sock.on("error", reject);
  });
}

const up = startUpstream("tls-up");
const httpsPort = freePort();
let pool: ProxyPool;

beforeAll(async () => {
  pool = await startProxyPool({ workers: 2, httpPort: freePort(), httpsPort, hostname: "127.0.0.1" });
  await pool.publishRoutes(
    ["one.test", "two.test", "three.test"].map((host) =>
      routeSpecSchema.parse({ id: host, host, upstreams: [up.url] }),
    ),
  );
});
afterAll(async () => {
  await pool?.stop();
  up.server.stop(true);
});

test.skipIf(!openssl)(
  "certificates are selected by SNI and new ones reach every worker without restart",
  async () => {
    await pool.setCertificates([selfSigned("one.test"), selfSigned("two.test")]);
    for (let i = 0; i < 4; i++) {
      const one = await handshake(httpsPort, "one.test");
      expect(one.cn).toBe("one.test");
      expect(one.body).toContain('"x-forwarded-proto":"https"');
      expect((await handshake(httpsPort, "two.test")).cn).toBe("two.test");
    }
    await pool.setCertificates([selfSigned("one.test"), selfSigned("two.test"), selfSigned("three.test")]);
    for (let i = 0; i < 6; i++) expect((await handshake(httpsPort, "three.test")).cn).toBe("three.test");
    // The absolute form of a name (one trailing dot), in SNI and Host: the same certificate and route.
    const absolute = await handshake(httpsPort, "two.test.");
    expect(absolute.cn).toBe("two.test");
    expect(absolute.body).toStartWith("HTTP/1.1 200");
    // Clients naming no known host (or sending no SNI) get the first certificate, not a failure.
    expect((await handshake(httpsPort, "unknown.test")).cn).toBe("one.test");
    expect(pool.stats().respawns).toBe(0);
  },
);

test.skipIf(!openssl)("a drain closes the HTTPS listeners too: new TLS connections are refused", async () => {
  await pool.setCertificates([selfSigned("one.test")]);
  expect((await handshake(httpsPort, "one.test")).cn).toBe("one.test");
  expect(await pool.drain(1_000)).toEqual({ cut: 0 });
  const outcome = await handshake(httpsPort, "one.test").then(
    () => "served",
    (error: NodeJS.ErrnoException) => error.code,
  );
  expect(outcome).toBe("ECONNREFUSED");
});
