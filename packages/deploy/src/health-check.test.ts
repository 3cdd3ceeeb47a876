import { afterAll, expect, test } from "bun:test";
import { createServer } from "node:http2";
import { createServer as createTcpServer } from "node:net";
import { probeFor, probeH2c, probeHttp, unreachableHint, waitForHealthy } from "./health-check.ts";

// A gRPC-style app: HTTP/2 only, without TLS; an HTTP/1.1 probe cannot tell whether it is healthy.
const server = createServer((req, res) => {
  res.statusCode = req.url === "/healthz" ? 200 : 503;
  res.end();
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
const port = (server.address() as { port: number }).port;
afterAll(() => server.close());

test("probeH2c: 2xx is healthy over h2c, 503 is not, a closed port says why", async () => {
  expect(await probeH2c(`http://127.0.0.1:${port}/healthz`, 2_000)).toEqual({
    healthy: true,
    detail: "HTTP/2 200",
  });
  expect(await probeH2c(`http://127.0.0.1:${port}/other`, 2_000)).toEqual({
    healthy: false,
    detail: "HTTP/2 503",
  });
  const closed = await probeH2c("http://127.0.0.1:1/healthz", 2_000);
  expect(closed.healthy).toBe(false);
  expect(closed.detail.length).toBeGreaterThan(0);
});

test("probeFor: h2c replicas get probeH2c, others the injected probe or probeHttp", () => {
  const injected = async () => ({ healthy: true, detail: "fake" });
  expect(probeFor("h2c", injected)).toBe(probeH2c);
  expect(probeFor("http1", injected)).toBe(injected);
  expect(probeFor("http1")).toBe(probeHttp);
});

test("probeHttp: a port that refuses or resets connections is said plainly, without Bun's internals", async () => {
  // What Docker's port proxy does when nothing listens inside the container: accept, then close.
  const resetting = createTcpServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => resetting.listen(0, "127.0.0.1", () => resolve()));
  const resetPort = (resetting.address() as { port: number }).port;
  try {
    expect(await probeHttp(`http://127.0.0.1:${resetPort}/`, 2_000)).toEqual({
      healthy: false,
      detail: "connection reset",
    });
  } finally {
    resetting.close();
  }
  expect(await probeHttp("http://127.0.0.1:1/", 2_000)).toEqual({
    healthy: false,
    detail: "connection refused",
  });
  expect((await probeH2c("http://127.0.0.1:1/", 2_000)).detail).toBe("connection refused");
});

test("unreachableHint: only a connection that never reached the app points at $PORT", () => {
  expect(unreachableHint("not healthy within 8s (last probe: connection reset)", 3000)).toContain(
    "Is the app listening on $PORT (3000)?",
  );
  expect(unreachableHint("not healthy within 8s (last probe: connection refused)", 8080)).toContain(
    "[deploy] port in pier.toml",
  );
  expect(unreachableHint("not healthy within 8s (last probe: HTTP 503)", 3000)).toBeUndefined();
  expect(
    unreachableHint("not healthy within 8s (last probe: no answer within 2000ms)", 3000),
  ).toBeUndefined();
});

test("waitForHealthy: a replica that is gone is reported as the app having exited, code and all", async () => {
  const refused = async () => ({ healthy: false, detail: "connection refused" });
  const check = (state: { running: boolean; exitCode: number | null }) =>
    waitForHealthy({
      url: "http://127.0.0.1:1/",
      intervalMs: 10,
      probeTimeoutMs: 50,
      deadlineMs: 5_000,
      probe: refused,
      state: async () => state,
    });
  expect(await check({ running: false, exitCode: 3 })).toMatchObject({
    healthy: false,
    exited: true,
    detail: "the app exited with code 3 before it was healthy",
  });
  expect((await check({ running: false, exitCode: null })).detail).toBe(
    "the app stopped running before it was healthy",
  );
});
