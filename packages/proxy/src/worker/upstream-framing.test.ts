import { afterAll, beforeAll, expect, test } from "bun:test";
import type { TCPSocketListener } from "bun";
import { type ProxyPool, startProxyPool } from "../main/proxy-pool.ts";
import { routeSpecSchema } from "../shared/route-spec.ts";
import { freePort } from "../testing/test-servers.ts";

// An upstream's answer reaches the client with framing every reader agrees on, or as a 502: with
// pier behind a CDN that reuses its connection across users, an answer read two ways would let
// one app's bytes be taken for another host's response. Raw sockets both sides, so the bytes are
// exactly these.

const ANSWERS: Record<string, string> = {
  "/clte": "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
  "/dupcl": "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 10\r\n\r\nok",
  "/xchunked": "HTTP/1.1 200 OK\r\nTransfer-Encoding: xchunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
  "/identity": "HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\nContent-Length: 2\r\n\r\nok",
  "/status2000": "HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\nok",
  "/http19": "HTTP/1.9 200 OK\r\nContent-Length: 2\r\n\r\nok",
  "/http10": "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
  "/noreason": "HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok",
  "/switch": "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\n",
  "/hop":
    "HTTP/1.1 200 OK\r\nConnection: close, X-Secret\r\nX-Secret: s\r\nX-Kept: k\r\nContent-Length: 2\r\n\r\nok",
  "/hints":
    "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
  "/noname": "HTTP/1.1 200 OK\r\n: x\r\nContent-Length: 2\r\n\r\nok",
  "/hugehead": `HTTP/1.1 200 OK\r\nx-big: ${"a".repeat(70_000)}\r\nContent-Length: 2\r\n\r\nok`,
};

let upstream: TCPSocketListener<undefined>;
const httpPort = freePort();
let pool: ProxyPool;

beforeAll(async () => {
  upstream = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      data(socket, chunk) {
        const path = chunk.toString("latin1").split(" ")[1] ?? "";
        socket.write(ANSWERS[path] ?? "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
      },
    },
  });
  pool = await startProxyPool({ workers: 1, httpPort, hostname: "127.0.0.1" });
  await pool.publishRoutes([
    routeSpecSchema.parse({ id: "u", host: "up.test", upstreams: [`http://127.0.0.1:${upstream.port}`] }),
  ]);
});
afterAll(async () => {
  await pool.stop();
  upstream.stop(true);
});

/** One request (HTTP/1.1 unless said), read until the proxy closes the connection. */
function exchange(path: string, version = "HTTP/1.1"): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    Bun.connect({
      hostname: "127.0.0.1",
      port: httpPort,
      socket: {
        open(s) {
          s.write(`GET ${path} ${version}\r\nhost: up.test\r\nconnection: close\r\n\r\n`);
        },
        data(_s, d) {
          text += d.toString("latin1");
        },
        close() {
          resolve(text);
        },
        error(_s, e) {
          reject(e);
        },
      },
    }).catch(reject);
  });
}

const head = (text: string) => text.slice(0, text.indexOf("\r\n\r\n")).toLowerCase();

test("Content-Length beside chunked is dropped: the client sees one framing", async () => {
  const text = await exchange("/clte");
  expect(text.startsWith("HTTP/1.1 200 OK\r\n")).toBe(true);
  expect(head(text)).not.toContain("content-length");
  expect(head(text)).toContain("transfer-encoding: chunked");
  expect(text.endsWith("\r\n\r\n3\r\nabc\r\n0\r\n\r\n")).toBe(true);
});

test("ambiguous framing or a malformed status line is a 502, never passed on", async () => {
  for (const path of ["/dupcl", "/xchunked", "/identity", "/status2000", "/http19", "/noname", "/hugehead"]) {
    const text = await exchange(path);
    expect(`${path} ${text.slice(0, 12)}`).toBe(`${path} HTTP/1.1 502`);
  }
});

test("the client gets pier's HTTP/1.1 status line; a line without reason phrase is taken", async () => {
  expect((await exchange("/http10")).startsWith("HTTP/1.1 200 OK\r\n")).toBe(true);
  expect((await exchange("/noreason")).startsWith("HTTP/1.1 200\r\n")).toBe(true);
});

test("a 101 to a request that did not ask to upgrade is a 502, and no 101 reaches the client", async () => {
  const text = await exchange("/switch");
  expect(text.startsWith("HTTP/1.1 502")).toBe(true);
  expect(text).not.toContain("HTTP/1.1 101");
});

test("headers named in the upstream's Connection header are dropped", async () => {
  const h = head(await exchange("/hop"));
  expect(h).not.toContain("x-secret");
  expect(h).toContain("x-kept: k");
});

test("1xx answers reach HTTP/1.1 clients only, never HTTP/1.0 ones", async () => {
  expect((await exchange("/hints")).startsWith("HTTP/1.1 103 Early Hints\r\n")).toBe(true);
  const old = await exchange("/hints", "HTTP/1.0");
  expect(old.startsWith("HTTP/1.1 200 OK\r\n")).toBe(true);
  expect(old).not.toContain("103");
});
