import { afterAll, beforeAll, expect, test } from "bun:test";
import type { TCPSocketListener } from "bun";
import { type ProxyPool, startProxyPool } from "../main/proxy-pool.ts";
import { routeSpecSchema } from "../shared/route-spec.ts";
import { freePort } from "../testing/test-servers.ts";

// The trailer section of a chunked body, both ways: each line must be a field line, or the
// exchange ends (a 400 for a request, a cut connection for an answer), and the fields themselves
// are dropped, so a client cannot hand the app X-Forwarded-For or X-Pier-Edge as trailers (Node
// exposes them in req.trailers). Raw sockets both sides, so the bytes are exactly these.

const ANSWERS: Record<string, string> = {
  "/trailers":
    "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-Secret: s\r\nServer-Timing: db;dur=1\r\n\r\n",
  "/bad-trailer":
    "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nHTTP/1.1 200 OK\r\n\r\n",
};

/** Everything the upstream received, across connections. */
let received = "";
let upstream: TCPSocketListener<{ text: string }>;
const httpPort = freePort();
let pool: ProxyPool;

/** The end of a chunked body: the last chunk, any trailer lines, the blank line. */
const CHUNKED_END = /(^|\r\n)0\r\n([^\r\n]*\r\n)*\r\n$/;

beforeAll(async () => {
  upstream = Bun.listen<{ text: string }>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(socket) {
        socket.data = { text: "" };
      },
      data(socket, chunk) {
        received += chunk.toString("latin1");
        socket.data.text += chunk.toString("latin1");
        const text = socket.data.text;
        const headEnd = text.indexOf("\r\n\r\n");
        if (headEnd === -1) return;
        const body = text.slice(headEnd + 4);
        if (/transfer-encoding: chunked/i.test(text.slice(0, headEnd)) && !CHUNKED_END.test(body)) return;
        socket.data.text = "";
        const path = text.split(" ")[1] ?? "";
        // Anything else echoes the body as the upstream got it.
        socket.write(ANSWERS[path] ?? `HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
      },
    },
  });
  pool = await startProxyPool({ workers: 1, httpPort, hostname: "127.0.0.1" });
  await pool.publishRoutes([
    routeSpecSchema.parse({ id: "t", host: "up.test", upstreams: [`http://127.0.0.1:${upstream.port}`] }),
  ]);
});
afterAll(async () => {
  await pool.stop();
  upstream.stop(true);
});

/** Sends raw bytes, collects what comes back until the proxy ends the connection (or resets it). */
function raw(wire: string): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    Bun.connect({
      hostname: "127.0.0.1",
      port: httpPort,
      socket: {
        open(s) {
          s.write(wire);
        },
        data(_s, d) {
          text += d.toString("latin1");
        },
        close() {
          resolve(text);
        },
        error() {
          resolve(text);
        },
      },
    }).catch(() => resolve(text));
  });
}

const post = (body: string) =>
  `POST /echo HTTP/1.1\r\nhost: up.test\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n${body}`;

test("request trailer fields are not forwarded: the upstream gets the body ended by a blank line", async () => {
  received = "";
  const text = await raw(post("3\r\nabc\r\n0\r\nX-Forwarded-For: 1.2.3.4\r\nX-Pier-Edge: forged\r\n\r\n"));
  expect(text).toStartWith("HTTP/1.1 200");
  expect(text.endsWith("\r\n\r\n3\r\nabc\r\n0\r\n\r\n")).toBe(true);
  expect(received.toLowerCase()).not.toContain("forged");
  expect(received.toLowerCase()).not.toContain("1.2.3.4");
});

test("a request whose trailer line is not a field is refused with 400 and never reaches the upstream whole", async () => {
  received = "";
  const text = await raw(post("3\r\nabc\r\n0\r\nGET /smuggled HTTP/1.1\r\n\r\n"));
  expect(text).toStartWith("HTTP/1.1 400");
  expect(text.toLowerCase()).toContain("connection: close");
  expect(received).not.toContain("/smuggled");
});

test("a request without trailers passes byte for byte", async () => {
  const text = await raw(post("3\r\nabc\r\n0\r\n\r\n"));
  expect(text.endsWith("\r\n\r\n3\r\nabc\r\n0\r\n\r\n")).toBe(true);
});

const get = (path: string) => `GET ${path} HTTP/1.1\r\nhost: up.test\r\nconnection: close\r\n\r\n`;

test("answer trailer fields are dropped on the way to the client; the body ends cleanly", async () => {
  const text = await raw(get("/trailers"));
  expect(text).toStartWith("HTTP/1.1 200");
  expect(text.endsWith("\r\n\r\n3\r\nabc\r\n0\r\n\r\n")).toBe(true);
  expect(text).not.toContain("X-Secret");
});

test("an answer whose trailer line is not a field is cut, never ended cleanly", async () => {
  const text = await raw(get("/bad-trailer"));
  expect(text).toStartWith("HTTP/1.1 200");
  expect(text.endsWith("0\r\n\r\n")).toBe(false);
  expect(text.match(/HTTP\/1\.1 200/g)?.length).toBe(1);
});
