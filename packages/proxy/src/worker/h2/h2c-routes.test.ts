import { afterAll, beforeAll, expect, test } from "bun:test";
import { connect, createServer, type Http2Server, type IncomingHttpHeaders } from "node:http2";
import { grpcCall, grpcFrame, grpcMessages } from "../../../../../test/support/grpc-client.ts";
import type { ProxyPool } from "../../main/proxy-pool.ts";
import { type RouteSpec, routeSpecSchema } from "../../shared/route-spec.ts";
import { startTlsPool } from "../../testing/tls-pool.ts";

// An h2c route (gRPC) answers what the route says before anything reaches the app, as every other
// route does: maintenance, its canonical host, its body limit; and a sleeping one wakes first.

const openssl = Bun.which("openssl");
if (!openssl && process.env.CI === "true")
  throw new Error("openssl is required in CI: apt-get install openssl");
let httpsPort = 0;
let pool: ProxyPool;
let grpc: Http2Server;
let upstream = "";
const wakes: string[] = [];
/** The `:path` of each stream the app got. */
const appPaths: string[] = [];

/** node:http2 gives `:status` as a number, which its header type does not say. */
const status = (call: { headers: Record<string, unknown> }) => Number(call.headers[":status"]);
/** The upstream timeout of quiet.test: short, so that a test can outlast it several times. */
const QUIET_TIMEOUT_MS = 800;
const route = (id: string, host: string, extra: Partial<RouteSpec> = {}) =>
  routeSpecSchema.parse({ id, host, upstreams: [upstream], upstreamProtocol: "h2c", ...extra });

beforeAll(async () => {
  if (!openssl) return;
  grpc = createServer();
  grpc.on("stream", (stream, headers) => {
    appPaths.push(String(headers[":path"]));
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => {
      // A stream the proxy reset (the body over its limit) may end before the reset arrives.
      if (stream.destroyed) return;
      const [name] = grpcMessages(Buffer.concat(chunks));
      stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      stream.end(grpcFrame(`hi ${name}`));
    });
  });
  await new Promise<void>((resolve) => grpc.listen(0, "127.0.0.1", () => resolve()));
  upstream = `http://127.0.0.1:${(grpc.address() as { port: number }).port}`;
  ({ pool, httpsPort } = await startTlsPool("g.test", {
    async onWake(routeId) {
      wakes.push(routeId);
      await Bun.sleep(200);
      await pool.publishRoutes([...routes(), route("sleepy", "sleepy.test")]);
      return true;
    },
  }));
  await pool.publishRoutes([...routes(), route("sleepy", "sleepy.test", { upstreams: [], sleeping: true })]);
});
afterAll(async () => {
  await pool?.stop();
  grpc?.close();
});

function routes(): RouteSpec[] {
  return [
    route("g", "g.test", { maxBodyBytes: 64 }),
    route("m", "m.test", {
      maintenance: { message: "upgrading the database", healthPath: "/grpc.health.v1.Health/Check" },
    }),
    route("c", "old.test", { canonicalHost: "g.test" }),
    route("s", "strip.test", { pathPrefix: "/svc", stripPrefix: true }),
    route("q", "quiet.test", { upstreamTimeoutMs: QUIET_TIMEOUT_MS }),
  ];
}

test.skipIf(!openssl)(
  "a call reaches the app; a streamed body over the route's limit gets a 413",
  async () => {
    const ok = await grpcCall(httpsPort, "g.test", "/demo.Greeter/SayHello", "ada");
    expect([status(ok), ok.trailers["grpc-status"], ok.messages]).toEqual([200, "0", ["hi ada"]]);
    const big = await grpcCall(httpsPort, "g.test", "/demo.Greeter/SayHello", "x".repeat(100));
    expect(status(big)).toBe(413);
  },
);

test.skipIf(!openssl)(
  "maintenance answers 503 except on the health path; a non-canonical host is redirected",
  async () => {
    const down = await grpcCall(httpsPort, "m.test", "/demo.Greeter/SayHello", "ada");
    expect(status(down)).toBe(503);
    const health = await grpcCall(httpsPort, "m.test", "/grpc.health.v1.Health/Check", "");
    expect(status(health)).toBe(200);
    const moved = await grpcCall(httpsPort, "old.test", "/demo.Greeter/SayHello", "ada");
    expect(status(moved)).toBe(308);
    expect(moved.headers.location).toBe(`https://g.test:${httpsPort}/demo.Greeter/SayHello`);
  },
);

test.skipIf(!openssl)(
  "a sleeping h2c route holds its calls, wakes once, then they reach the app over HTTP/2",
  async () => {
    const calls = await Promise.all(
      Array.from({ length: 5 }, () => grpcCall(httpsPort, "sleepy.test", "/demo.Greeter/SayHello", "bo")),
    );
    expect(calls.map((c) => [status(c), c.trailers["grpc-status"]])).toEqual(Array(5).fill([200, "0"]));
    expect(wakes).toEqual(["sleepy"]);
  },
);

test.skipIf(!openssl)(
  "dot segments in :path are resolved before the prefix is stripped: the app never gets /../",
  async () => {
    appPaths.length = 0;
    for (const path of ["/svc/../svc/demo.Greeter/SayHello", "/svc/x/%2e%2e/demo.Greeter/SayHello"]) {
      const call = await grpcCall(httpsPort, "strip.test", path, "ada");
      expect([status(call), call.messages]).toEqual([200, ["hi ada"]]);
    }
    expect(appPaths).toEqual(["/demo.Greeter/SayHello", "/demo.Greeter/SayHello"]);
  },
);

/**
 * A client-streaming call to quiet.test: a message, then one more after each of `gapsMs`, then the
 * end of the stream after `endAfterMs`; the answer's status and messages. Writes stop once the
 * answer has ended (a 504 may come while the client is still quiet).
 */
async function clientStream(
  gapsMs: number[],
  endAfterMs: number,
): Promise<{ status: number; messages: string[] }> {
  const client = connect(`https://127.0.0.1:${httpsPort}`, {
    rejectUnauthorized: false,
    servername: "quiet.test",
  });
  try {
    const req = client.request({
      ":method": "POST",
      ":path": "/demo.Uploader/Upload",
      ":authority": "quiet.test",
      "content-type": "application/grpc",
      te: "trailers",
    });
    let headers: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    req.on("response", (h) => {
      headers = h;
    });
    req.on("data", (c: Buffer) => chunks.push(c));
    const ended = new Promise((resolve, reject) => {
      req.on("end", resolve);
      req.on("error", reject);
    });
    const open = () =>
      !req.closed && !req.writableEnded && chunks.length === 0 && headers[":status"] === undefined;
    req.write(grpcFrame("m0"));
    for (const [i, gap] of gapsMs.entries()) {
      await Bun.sleep(gap);
      if (open()) req.write(grpcFrame(`m${i + 1}`));
    }
    await Bun.sleep(endAfterMs);
    if (open()) req.end();
    await ended;
    return { status: Number(headers[":status"]), messages: grpcMessages(Buffer.concat(chunks)) };
  } finally {
    client.close();
  }
}

test.skipIf(!openssl)(
  "an h2c upload that keeps sending outlasts the upstream timeout; one quiet for longer gets a 504",
  async () => {
    // A message every 0.4 × the timeout for 3 × the timeout: each restarts the upstream's clock, as
    // a body piece does over HTTP/1.1.
    const gap = 0.4 * QUIET_TIMEOUT_MS;
    const steady = await clientStream(Array(7).fill(gap), gap);
    expect(steady).toEqual({ status: 200, messages: ["hi m0"] });
    // Quiet for twice the timeout after the first message: the upstream timeout still applies.
    const quiet = await clientStream([2 * QUIET_TIMEOUT_MS], 0);
    expect(quiet.status).toBe(504);
  },
);
