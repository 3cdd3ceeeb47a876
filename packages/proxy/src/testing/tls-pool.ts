import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { opensslSelfSigned } from "../../../../test/support/openssl.ts";
import { type ProxyPool, type ProxyPoolOptions, startProxyPool } from "../main/proxy-pool.ts";
import { freePort } from "./test-servers.ts";

/**
 * One proxy worker listening on free plain and HTTPS ports, with an openssl-made certificate for
 * `serverName` (the default for every name, so other hosts are served with it too). The caller
 * publishes its routes.
 */
export async function startTlsPool(
  serverName: string,
  options: Partial<ProxyPoolOptions> = {},
): Promise<{ pool: ProxyPool; httpsPort: number }> {
  const dir = mkdtempSync(join(tmpdir(), "pier-proxy-tls-"));
  const { cert, key } = opensslSelfSigned(dir, serverName, [`DNS:${serverName}`]);
  const httpsPort = freePort();
  const pool = await startProxyPool({
    workers: 1,
    httpPort: freePort(),
    httpsPort,
    hostname: "127.0.0.1",
    ...options,
  });
  await pool.setCertificates([
    { serverName, cert: readFileSync(cert, "utf8"), key: readFileSync(key, "utf8") },
  ]);
  return { pool, httpsPort };
}
