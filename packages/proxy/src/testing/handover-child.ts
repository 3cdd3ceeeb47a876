/**
 * A second process for pool-handover.test.ts: takes over the listening sockets it inherited (fds
 * from PIER_TEST_LISTEN_FDS, a JSON ListenFds), routes `host` to `upstream`, says "ready" over the
 * IPC channel and stops its pool when told "stop". What `pier serve` does after a hand-over, with
 * only the proxy.
 */
import { startProxyPool } from "../main/proxy-pool.ts";
import { routeSpecSchema } from "../shared/route-spec.ts";

const fds = JSON.parse(process.env.PIER_TEST_LISTEN_FDS ?? "{}") as { http: number[]; https: number[] };
const [httpPort, host, upstream] = process.argv.slice(2) as [string, string, string];
const pool = await startProxyPool({
  workers: 2,
  httpPort: Number(httpPort),
  hostname: "127.0.0.1",
  inheritedListeners: fds,
  deferListening: true,
});
await pool.publishRoutes([routeSpecSchema.parse({ id: host, host, upstreams: [upstream] })]);
await pool.listen();
process.send?.({ ready: pool.listenerFds() });
process.on("message", async (message) => {
  if (message !== "stop") return;
  await pool.drain(2_000);
  await pool.stop();
  process.exit(0);
});
