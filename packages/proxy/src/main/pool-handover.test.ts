import { afterAll, expect, test } from "bun:test";
import { connect } from "node:net";
import { join } from "node:path";
import { routeSpecSchema } from "../shared/route-spec.ts";
import { freePort, startUpstream } from "../testing/test-servers.ts";
import { assignListenFds, type ProxyPool, startProxyPool } from "./proxy-pool.ts";

test("assignListenFds spreads inherited sockets round-robin, none left without a worker", () => {
  expect([0, 1].map((i) => assignListenFds([3, 4, 5, 6], i, 2))).toEqual([
    [3, 5],
    [4, 6],
  ]);
  expect([0, 1, 2].map((i) => assignListenFds([3, 4], i, 3))).toEqual([[3], [4], []]);
  expect(assignListenFds([7, 8, 9], 0, 1)).toEqual([7, 8, 9]);
});

const a = startUpstream("a");
const b = startUpstream("b");
const pools: ProxyPool[] = [];
afterAll(async () => {
  for (const pool of pools) await pool.stop();
  a.server.stop(true);
  b.server.stop(true);
});

/** One GET on a new connection: who answered, or the socket error. */
function getOnNewConnection(port: number, host: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    let text = "";
    socket.on("connect", () => socket.write(`GET / HTTP/1.1\r\nhost: ${host}\r\nconnection: close\r\n\r\n`));
    socket.on("data", (d) => {
      text += d;
    });
    socket.on("error", (error: NodeJS.ErrnoException) => resolve(`error ${error.code}`));
    socket.on("close", () => {
      const name = /"name":"(\w+)"/.exec(text)?.[1];
      resolve(
        text.startsWith("HTTP/1.1 200") && name ? name : `bad answer ${JSON.stringify(text.slice(0, 80))}`,
      );
    });
  });
}

test("a pool handed its listening sockets takes over: nothing queued is reset while the first drains", async () => {
  const httpPort = freePort();
  const first = await startProxyPool({ workers: 2, httpPort, hostname: "127.0.0.1" });
  pools.push(first);
  await first.publishRoutes([routeSpecSchema.parse({ id: "h", host: "h.test", upstreams: [a.url] })]);
  const fds = first.listenerFds();
  expect(fds.http).toHaveLength(2);
  expect(fds.https).toEqual([]);

  const answers: string[] = [];
  let running = true;
  const load = Array.from({ length: 16 }, async () => {
    const deadline = performance.now() + 15_000;
    while (running && performance.now() < deadline)
      answers.push(await getOnNewConnection(httpPort, "h.test"));
  });
  await Bun.sleep(200);

  // The second process gets the sockets as fds 3 and 4, as pier's hand-over passes them.
  let ready: (fds: unknown) => void = () => {};
  const isReady = new Promise((resolve) => {
    ready = resolve;
  });
  const second = Bun.spawn(
    [
      process.execPath,
      join(import.meta.dir, "../testing/handover-child.ts"),
      String(httpPort),
      "h.test",
      b.url,
    ],
    {
      stdio: ["ignore", "inherit", "inherit", ...fds.http],
      env: { ...process.env, PIER_TEST_LISTEN_FDS: JSON.stringify({ http: [3, 4], https: [] }) },
      ipc: (message: { ready?: unknown }) => ready(message.ready),
    },
  );
  try {
    expect(await Promise.race([isReady, Bun.sleep(10_000).then(() => "timeout")])).toEqual({
      http: [3, 4],
      https: [],
    });
    await Bun.sleep(200);
    // A busy event loop lets connections pile up on the sockets' queues: they must not be reset.
    const busyUntil = performance.now() + 100;
    while (performance.now() < busyUntil) {}
    expect(await first.drain(5_000)).toEqual({ cut: 0 });
    // Answers are counted when the client sees the close, a moment after the first pool is done.
    await Bun.sleep(200);
    const servedBefore = answers.length;
    await Bun.sleep(500);
    running = false;
    await Promise.all(load);
    const failures = answers.filter((answer) => answer !== "a" && answer !== "b");
    expect(failures).toEqual([]);
    expect(answers.length).toBeGreaterThan(servedBefore);
    expect(answers.slice(servedBefore).every((answer) => answer === "b")).toBe(true);
    expect(answers).toContain("a");
  } finally {
    running = false;
    second.send("stop");
    await Promise.race([second.exited, Bun.sleep(5_000)]);
    second.kill();
  }
}, 30_000);
