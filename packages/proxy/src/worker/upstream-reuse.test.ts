import { afterAll, beforeAll, expect, test } from "bun:test";
import type { ProxyPool } from "../main/proxy-pool.ts";
import { routeSpecSchema } from "../shared/route-spec.ts";
import { startUpstream } from "../testing/test-servers.ts";
import { startTlsPool } from "../testing/tls-pool.ts";

// An answer can end while its last bytes still wait for the client, with the upstream socket
// paused for backpressure. The pool must hand that connection to the next exchange reading again,
// or the next request on it never gets its answer (one worker here, so one pool).

const tools = [Bun.which("openssl"), Bun.which("curl")];
if (tools.includes(null) && process.env.CI === "true")
  throw new Error("openssl and curl are required in CI: apt-get install openssl curl");
const SIZE = 24 * 1024 * 1024;
const up = startUpstream("reuse", (req) =>
  new URL(req.url).pathname === "/large" ? new Response(new Uint8Array(SIZE).fill(120)) : undefined,
);
let httpsPort = 0;
let pool: ProxyPool;

beforeAll(async () => {
  if (tools.includes(null)) return;
  ({ pool, httpsPort } = await startTlsPool("reuse.test"));
  await pool.publishRoutes([routeSpecSchema.parse({ id: "reuse", host: "reuse.test", upstreams: [up.url] })]);
});
afterAll(async () => {
  await pool?.stop();
  up.server.stop(true);
});

async function curl(protocol: "--http1.1" | "--http2", path: string): Promise<string> {
  const proc = Bun.spawn(
    [
      "curl",
      "-sk",
      protocol,
      "-m",
      "10",
      "-o",
      "/dev/null",
      "--resolve",
      `reuse.test:${httpsPort}:127.0.0.1`,
      "-w",
      "%{http_code} %{size_download}",
      `https://reuse.test:${httpsPort}${path}`,
    ],
    { stdout: "pipe" },
  );
  return (await new Response(proc.stdout).text()).trim();
}

for (const protocol of ["--http1.1", "--http2"] as const) {
  test.skipIf(tools.includes(null))(
    `after large answers over ${protocol}, the next request is answered`,
    async () => {
      const seen: string[] = [];
      for (let round = 0; round < 6; round++) {
        seen.push(await curl(protocol, "/large"));
        seen.push(await curl(protocol, "/next"));
      }
      expect(seen.filter((_, i) => i % 2 === 0)).toEqual(Array(6).fill(`200 ${SIZE}`));
      expect(seen.filter((_, i) => i % 2 === 1).map((s) => s.split(" ")[0])).toEqual(Array(6).fill("200"));
    },
    60_000,
  );
}
