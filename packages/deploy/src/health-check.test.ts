import { afterAll, expect, test } from "bun:test";
import { createServer } from "node:http2";
import { probeFor, probeH2c, probeHttp } from "./health-check.ts";

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
