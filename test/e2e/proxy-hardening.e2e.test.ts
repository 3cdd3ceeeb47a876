import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import type { Server } from "bun";
import { type PierProcess, startPier } from "../support/pier-process.ts";

// The proxy's strictness, found from outside by the security and fault review (finding 6) and
// tried here the same way: raw bytes on a socket to the compiled binary's HTTP port. Every load
// loop is bounded in count and time; all traffic stays on 127.0.0.1.

const adminToken = `pier_hardening${crypto.randomUUID().replaceAll("-", "")}`;
let pier: PierProcess;
/** What reached the upstream: each request whose body was read whole. */
const seen: { path: string; headers: Record<string, string>; body: string }[] = [];
const upstream: Server<unknown> = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(req) {
    const url = new URL(req.url);
    const body = await req.text();
    seen.push({ path: url.pathname + url.search, headers: req.headers.toJSON(), body });
    return Response.json({ path: url.pathname + url.search, headers: req.headers.toJSON() });
  },
});
const origin = `http://127.0.0.1:${upstream.port}`;

/**
 * A lenient app for the strictness cases: it takes any bytes, records them, and answers 200 once
 * a head (and a chunked body's last chunk) arrived, as a server that reads heads differently from
 * the proxy would. A proxy that forwards a malformed request gets a 200 from it.
 */
let wireBytes = "";
const wireUpstream = Bun.listen<{ got: string }>({
  hostname: "127.0.0.1",
  port: 0,
  socket: {
    open(socket) {
      socket.data = { got: "" };
    },
    data(socket, chunk) {
      const text = chunk.toString("latin1");
      wireBytes += text;
      socket.data.got += text;
      const got = socket.data.got;
      const headEnd = got.indexOf("\r\n\r\n");
      if (headEnd === -1) return;
      const chunked = /transfer-encoding: *chunked/i.test(got.slice(0, headEnd));
      if (chunked && !got.slice(headEnd + 4).endsWith("\r\n\r\n")) return;
      socket.end("HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
    },
  },
});
const HEAD_TIMEOUT_MS = 1_000;
const BODY_TIMEOUT_MS = 1_500;
const SEND_TIMEOUT_MS = 1_500;
/** An app with a large answer, for a client that never reads it. */
const BIG_ANSWER_BYTES = 64 * 1024 * 1024;
const bigUpstream: Server<unknown> = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch: () => new Response(new Uint8Array(BIG_ANSWER_BYTES)),
});

async function addRoute(body: Record<string, unknown>) {
  const res = await fetch(`${pier.url}/api/v1/routes`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
}

/**
 * Writes `wire` on a fresh connection (in `pieces` when given, each after `gapMs`) and collects
 * what comes back until the proxy closes the connection or `timeoutMs` passes.
 */
function raw(
  wire: string | Buffer,
  { timeoutMs = 5_000, pieces, gapMs = 0 }: { timeoutMs?: number; pieces?: number; gapMs?: number } = {},
): Promise<{ text: string; closed: boolean; ms: number }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const bytes = typeof wire === "string" ? Buffer.from(wire, "latin1") : wire;
    const socket = connect({ host: "127.0.0.1", port: pier.httpPort });
    let text = "";
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ text, closed, ms: performance.now() - started });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on("data", (d) => {
      text += d.toString("latin1");
    });
    // 'close' follows an 'error' (a write into a connection the proxy closed, say), and whatever
    // the proxy answered before it has been read by then: finishing on the error could drop it.
    socket.on("close", () => finish(true));
    socket.on("error", () => {});
    socket.on("connect", async () => {
      const n = pieces ?? 1;
      const size = Math.ceil(bytes.length / n);
      // As a client does, it stops sending once the proxy has answered.
      for (let i = 0; i < n && !done && text === ""; i++) {
        socket.write(bytes.subarray(i * size, (i + 1) * size));
        await Bun.sleep(gapMs);
      }
    });
  });
}

const status = (text: string) => Number(text.slice(9, 12));

beforeAll(async () => {
  pier = await startPier({
    env: { PIER_ADMIN_TOKEN: adminToken },
    args: [
      "--proxy-workers",
      "2",
      "--head-timeout",
      `${HEAD_TIMEOUT_MS}ms`,
      "--body-timeout",
      `${BODY_TIMEOUT_MS}ms`,
      "--send-timeout",
      `${SEND_TIMEOUT_MS}ms`,
    ],
  });
  await addRoute({ host: "big.test", upstreams: [`http://127.0.0.1:${bigUpstream.port}`] });
  await addRoute({ host: "strict.test", upstreams: [`http://127.0.0.1:${wireUpstream.port}`] });
  await addRoute({ host: "echo.test", upstreams: [origin] });
  await addRoute({ host: "dots.test", pathPrefix: "/public", stripPrefix: true, upstreams: [origin] });
});

afterAll(async () => {
  await pier?.stop();
  upstream.stop(true);
  wireUpstream.stop(true);
  bigUpstream.stop(true);
});

describe("requests other HTTP readers would read differently get a 400 and never reach the app", () => {
  const head = (lines: string) => `GET / HTTP/1.1\r\nHost: strict.test\r\n${lines}\r\n`;
  const chunked = (body: string) =>
    `POST / HTTP/1.1\r\nHost: strict.test\r\nTransfer-Encoding: chunked\r\n\r\n${body}`;
  const cases: [string, string][] = [
    ["an obs-fold continuation line", head("X-A: 1\r\n folded: yes\r\n")],
    ["a tab-led line", head("X-A: 1\r\n\tContent-Length: 5\r\n")],
    ["white space before the colon", head("Content-Length : 5\r\n")],
    ["a space in a header name", head("X Forwarded: 1\r\n")],
    ["a bare LF inside a line", head("X-A: 1\nContent-Length: 5\r\n")],
    ["a NUL in a value", head("X-A: a\0b\r\n")],
    ["a bare CR in a value", head("X-A: a\rb\r\n")],
  ];
  for (const [what, wire] of cases) {
    test(what, async () => {
      const before = wireBytes.length;
      const { text, closed } = await raw(wire);
      expect(status(text)).toBe(400);
      expect(closed).toBe(true);
      await Bun.sleep(50);
      expect(wireBytes.slice(before)).toBe("");
    });
  }

  // The head of a chunked request goes on before its body arrives; a malformed chunk ends the
  // exchange there: nothing of it reaches the app, which sees its connection cut mid-request.
  const bodies: [string, string][] = [
    ["a chunk size of 17 hex digits", `${"0".repeat(16)}5\r\nhello\r\n0\r\n\r\n`],
    ["a bare-LF chunk size line", "5 \nhello\r\n0\r\n\r\n"],
    ["a bare-LF chunk extension line", "5;ext=1\nhello\r\n0\r\n\r\n"],
    ["a bare-LF last chunk", "5\r\nhello\r\n0\n\r\n"],
    ["a chunk not followed by CRLF", "5\r\nhello\n0\r\n\r\n"],
  ];
  for (const [what, body] of bodies) {
    test(what, async () => {
      const before = wireBytes.length;
      const { text, closed } = await raw(chunked(body));
      expect(status(text)).toBe(400);
      expect(closed).toBe(true);
      await Bun.sleep(50);
      expect(wireBytes.slice(before)).not.toContain("hello");
    });
  }

  test("the same requests written correctly are forwarded (the cases above differ only in the flaw)", async () => {
    const { text } = await raw(head("X-A: 1\r\nX-B:\ttabbed\tvalue\r\nConnection: close\r\n"));
    expect(status(text)).toBe(200);
    const before = wireBytes.length;
    const post = await raw(chunked("5;ext=1\r\nhello\r\n0\r\nX-Trailer: t\r\n\r\n"));
    expect(status(post.text)).toBe(200);
    // The body is forwarded as it came; its trailer fields are not (RFC 9110 6.5.1: a proxy may
    // drop them, and one could carry X-Forwarded-For past the head's rewriting).
    expect(wireBytes.slice(before)).toContain("5;ext=1\r\nhello\r\n0\r\n\r\n");
    expect(wireBytes.slice(before)).not.toContain("X-Trailer");
  });
});

describe("the 64 KiB head limit", () => {
  test("a 100 KB head written in one piece gets a 431 and is not forwarded", async () => {
    const before = wireBytes.length;
    const wire = `GET / HTTP/1.1\r\nHost: strict.test\r\n${"X-Pad: 0123456789abcdefghijklmnopqrstuvwxyz\r\n".repeat(2_400)}\r\n`;
    expect(wire.length).toBeGreaterThan(100_000);
    const { text } = await raw(wire);
    expect(status(text)).toBe(431);
    await Bun.sleep(50);
    expect(wireBytes.slice(before)).toBe("");
  });

  test("the same head arriving in pieces gets the same answer", async () => {
    const wire = `GET / HTTP/1.1\r\nHost: strict.test\r\n${"X-Pad: 0123456789abcdefghijklmnopqrstuvwxyz\r\n".repeat(2_400)}\r\n`;
    const { text } = await raw(wire, { pieces: 10 });
    expect(status(text)).toBe(431);
  });
});

describe("the request-head timeout (--head-timeout)", () => {
  test("500 slowloris connections get a 408 and are closed at the head timeout; others are served meanwhile", async () => {
    const started = performance.now();
    // Each sends a partial head and then one more header line every 300 ms: never a whole head.
    const slow = Array.from({ length: 500 }, () =>
      raw(`GET / HTTP/1.1\r\nHost: strict.test\r\n${"X-Slow: 1\r\n".repeat(20)}`, {
        pieces: 20,
        gapMs: 300,
        timeoutMs: HEAD_TIMEOUT_MS + 9_000,
      }),
    );
    await Bun.sleep(300);
    const served = await fetch(`http://127.0.0.1:${pier.httpPort}/`, { headers: { host: "echo.test" } });
    expect(served.status).toBe(200);
    const outcomes = await Promise.all(slow);
    const elapsed = performance.now() - started;
    expect(outcomes.filter((o) => o.closed)).toHaveLength(500);
    expect(outcomes.filter((o) => status(o.text) === 408)).toHaveLength(500);
    // Closed by the head timeout (swept every 50 ms), not by anything slower.
    expect(Math.max(...outcomes.map((o) => o.ms))).toBeLessThan(HEAD_TIMEOUT_MS + 3_000);
    expect(elapsed).toBeLessThan(HEAD_TIMEOUT_MS + 5_000);
  }, 30_000);

  test("a connection that sends nothing is closed at the head timeout without an answer", async () => {
    const { text, closed, ms } = await raw(Buffer.alloc(0), { timeoutMs: HEAD_TIMEOUT_MS + 4_000 });
    expect(closed).toBe(true);
    expect(text).toBe("");
    expect(ms).toBeGreaterThanOrEqual(HEAD_TIMEOUT_MS - 100);
  });

  test("a keep-alive connection idle between requests is not cut by the head timeout", async () => {
    const result = await new Promise<string>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port: pier.httpPort });
      let text = "";
      socket.on("data", (d) => {
        text += d.toString("latin1");
        if ((text.match(/HTTP\/1\.1 200/g) ?? []).length === 2) {
          socket.destroy();
          resolve(text);
        }
      });
      socket.on("close", () => resolve(text));
      socket.on("connect", async () => {
        socket.write("GET /one HTTP/1.1\r\nHost: echo.test\r\n\r\n");
        await Bun.sleep(HEAD_TIMEOUT_MS + 500);
        socket.write("GET /two HTTP/1.1\r\nHost: echo.test\r\n\r\n");
      });
    });
    expect((result.match(/HTTP\/1\.1 200/g) ?? []).length).toBe(2);
  });
});

describe("the body and send timeouts (--body-timeout, --send-timeout)", () => {
  test("a request body that stops arriving gets a 408 and the connection closes", async () => {
    const before = seen.length;
    const { text, closed, ms } = await raw(
      "POST /stalled HTTP/1.1\r\nHost: echo.test\r\nContent-Length: 100\r\n\r\n0123456789",
      { timeoutMs: BODY_TIMEOUT_MS + 5_000 },
    );
    expect(status(text)).toBe(408);
    expect(closed).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(BODY_TIMEOUT_MS - 100);
    expect(seen.slice(before).some((r) => r.path === "/stalled")).toBe(false);
  });

  test("a client that stops reading an answer is cut, not held", async () => {
    const { received, closed } = await new Promise<{ received: number; closed: boolean }>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port: pier.httpPort });
      let received = 0;
      let closed = false;
      socket.on("data", (d) => {
        received += d.length;
      });
      socket.on("close", () => {
        closed = true;
      });
      socket.on("error", () => {});
      socket.on("connect", async () => {
        socket.write("GET / HTTP/1.1\r\nHost: big.test\r\n\r\n");
        socket.pause();
        await Bun.sleep(SEND_TIMEOUT_MS + 2_500);
        // Reading again: a connection still held would now deliver the rest of the answer.
        socket.resume();
        await Bun.sleep(1_500);
        socket.destroy();
        resolve({ received, closed });
      });
    });
    // Cut with a reset: what the kernel held for the client may be dropped with it.
    expect(closed).toBe(true);
    expect(received).toBeLessThan(BIG_ANSWER_BYTES);
  }, 15_000);
});

describe("what reaches the app", () => {
  test("headers named in Connection are dropped, like the hop-by-hop ones", async () => {
    await raw(
      "GET /conn HTTP/1.1\r\nHost: echo.test\r\nConnection: close, X-Internal-Auth\r\nX-Internal-Auth: admin\r\nX-Kept: 1\r\n\r\n",
    );
    const request = seen.find((r) => r.path === "/conn")!;
    expect(request.headers["x-internal-auth"]).toBeUndefined();
    expect(request.headers["x-kept"]).toBe("1");
  });

  test("X-Real-IP and Forwarded are the proxy's, overwriting what the client sent", async () => {
    await raw(
      "GET /ip HTTP/1.1\r\nHost: echo.test\r\nConnection: close\r\nX-Real-IP: 6.6.6.6\r\nForwarded: for=6.6.6.6;proto=https\r\nX-Forwarded-For: 6.6.6.6\r\n\r\n",
    );
    const request = seen.find((r) => r.path === "/ip")!;
    expect(request.headers["x-real-ip"]).toBe("127.0.0.1");
    expect(request.headers.forwarded).toBe("for=127.0.0.1;proto=http");
    expect(request.headers["x-forwarded-for"]).toBe("127.0.0.1");
  });

  test("dot segments are resolved before prefix matching and stripping", async () => {
    const escaped = await raw(
      "GET /public/../admin HTTP/1.1\r\nHost: dots.test\r\nConnection: close\r\n\r\n",
    );
    // /admin is no path of the /public route: nothing for the app.
    expect(status(escaped.text)).toBe(404);
    const encoded = await raw(
      "GET /public/%2e%2e/admin HTTP/1.1\r\nHost: dots.test\r\nConnection: close\r\n\r\n",
    );
    expect(status(encoded.text)).toBe(404);
    const inside = await raw(
      "GET /public/a/../b/./c?q=/../x HTTP/1.1\r\nHost: dots.test\r\nConnection: close\r\n\r\n",
    );
    expect(status(inside.text)).toBe(200);
    expect(seen.at(-1)?.path).toBe("/b/c?q=/../x");
    expect(seen.filter((r) => r.path.startsWith("/..") || r.path.startsWith("/admin"))).toEqual([]);
  });
});
