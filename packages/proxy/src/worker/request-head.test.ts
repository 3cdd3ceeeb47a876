import { expect, test } from "bun:test";
import { BadRequestError, parseRequestHead, RequestHead } from "./request-head.ts";

const parse = (s: string, from = 0) => parseRequestHead(Buffer.from(s, "latin1"), from);

test("keeps end-to-end header lines verbatim and pulls out what routing and framing need", () => {
  const wire =
    "xxPOST /a?b=1 HTTP/1.1\r\nHost: Ex.com:8080\r\nX-A: 1\r\nContent-Length: 3\r\nConnection: keep-alive\r\nX-Forwarded-For: 6.6.6.6\r\nX-Request-Id: r1\r\nAccept: */*\r\n\r\nabc";
  const h = parse(wire, 2)!;
  expect(h).toMatchObject({
    method: "POST",
    target: "/a?b=1",
    http10: false,
    host: "Ex.com:8080",
    contentLength: 3,
    chunked: false,
    close: false,
    upgrade: null,
    requestId: "r1",
  });
  expect(h.kept).toBe("X-A: 1\r\nContent-Length: 3\r\nAccept: */*\r\n");
  expect(h.headLength).toBe(wire.indexOf("\r\n\r\n") + 4 - 2);
});

test("connection semantics: HTTP/1.0 closes unless keep-alive, Connection: close, upgrades", () => {
  expect(parse("GET / HTTP/1.0\r\n\r\n")!.close).toBe(true);
  expect(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")!.close).toBe(false);
  expect(parse("GET / HTTP/1.1\r\nConnection: close\r\n\r\n")!.close).toBe(true);
  const ws = parse(
    "GET /ws HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: k\r\n\r\n",
  )!;
  expect(ws.upgrade).toBe("websocket");
  expect(ws.kept).toBe("Sec-WebSocket-Key: k\r\n");
  expect(parse("GET / HTTP/1.1\r\nUpgrade: h2c\r\n\r\n")!.upgrade).toBeNull();
});

test("incomplete heads wait; malformed, ambiguous or oversized heads throw with a status", () => {
  expect(parse("GET / HTTP/1.1\r\nHost: a\r\n")).toBeNull();
  expect(parse("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")!.chunked).toBe(true);
  expect(parse("GET / HTTP/1.1\r\nX: \xe9\r\n\r\n")!.kept).toBe("X: \xe9\r\n");
  for (const bad of [
    "GARBAGE\r\n\r\n",
    "GET / HTTP/2\r\n\r\n",
    "GET / HTTP/1.1\r\nno colon\r\n\r\n",
    "GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
    "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
    "GET / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
  ]) {
    expect(() => parse(bad)).toThrow(BadRequestError);
  }
  let err: BadRequestError | null = null;
  try {
    parse(`GET / HTTP/1.1\r\nX: ${"a".repeat(70_000)}`);
  } catch (e) {
    err = e as BadRequestError;
  }
  expect(err?.status).toBe(431);
});

test("a repeated Host value reuses the connection's previous string; a bare CR is refused", () => {
  const wire = Buffer.from("GET / HTTP/1.1\r\nHost: a.test\r\n\r\n", "latin1");
  const previous = ["a", ".test"].join("");
  expect(parseRequestHead(wire, 0, previous)!.host).toBe(previous);
  expect(parseRequestHead(wire, 0, "b.test")!.host).toBe("a.test");
  expect(() => parse("GET / HTTP/1.1\r\nX: a\rb\r\n\r\n")).toThrow(BadRequestError);
  expect(() => parse("GET / HTTP/1.1\r\nContent-Length: 1e3\r\n\r\n")).toThrow(BadRequestError);
  expect(parse("GET / HTTP/1.1\r\nCONTENT-LENGTH:  7 \r\n\r\n")!.contentLength).toBe(7);
});

test("one head object serves a connection's requests; an incomplete or bad head leaves it as it was", () => {
  const h = new RequestHead();
  const first = parseRequestHead(
    Buffer.from("POST /a HTTP/1.1\r\nHost: a\r\nX: 1\r\nContent-Length: 2\r\n\r\n"),
    0,
    "",
    h,
  );
  expect(first).toBe(h);
  expect([h.method, h.target, h.kept, h.contentLength]).toEqual([
    "POST",
    "/a",
    "X: 1\r\nContent-Length: 2\r\n",
    2,
  ]);
  expect(parseRequestHead(Buffer.from("GET /b HTTP/1.1\r\nHost: b\r\n"), 0, "", h)).toBeNull();
  expect(() => parseRequestHead(Buffer.from("GET /c HTTP/1.1\r\nY: 2\r\nbad\r\n\r\n"), 0, "", h)).toThrow();
  expect([h.method, h.target, h.kept, h.host]).toEqual(["POST", "/a", "X: 1\r\nContent-Length: 2\r\n", "a"]);
  parseRequestHead(Buffer.from("GET /b HTTP/1.1\r\nHost: b\r\n\r\n"), 0, "", h);
  expect([h.method, h.target, h.kept, h.contentLength, h.host]).toEqual(["GET", "/b", "", -1, "b"]);
});

test("heads other HTTP readers would read differently are refused, not forwarded", () => {
  for (const bad of [
    "GET / HTTP/1.1\r\nX: a\r\n folded\r\n\r\n",
    "GET / HTTP/1.1\r\nX: a\r\n\tfolded\r\n\r\n",
    "GET / HTTP/1.1\r\nHost : a\r\n\r\n",
    "GET / HTTP/1.1\r\nContent-Length\t: 5\r\n\r\n",
    "GET / HTTP/1.1\r\nX Y: a\r\n\r\n",
    "GET / HTTP/1.1\r\nX: a\nContent-Length: 5\r\n\r\n",
    "GET / HTTP/1.1\r\nX: a\0b\r\n\r\n",
    "GET / HTTP/1.1\r\nX: a\rb\r\n\r\n",
    "GET /\0 HTTP/1.1\r\n\r\n",
    "GET /a b HTTP/1.1\r\n\r\n",
  ]) {
    expect(() => parse(bad)).toThrow(BadRequestError);
  }
  expect(parse("GET / HTTP/1.1\r\nX: a\tb\r\n\r\n")!.kept).toBe("X: a\tb\r\n");
});

test("a head of more than 64 KiB is refused however it arrives, whole in one piece too", () => {
  const whole = `GET / HTTP/1.1\r\nHost: a\r\n${"X: 0123456789abcdef\r\n".repeat(5000)}\r\n`;
  expect(whole.length).toBeGreaterThan(100_000);
  let err: BadRequestError | null = null;
  try {
    parse(whole);
  } catch (e) {
    err = e as BadRequestError;
  }
  expect(err?.status).toBe(431);
  const justUnder = `GET / HTTP/1.1\r\nX: ${"a".repeat(64 * 1024 - 23)}\r\n\r\n`;
  expect(justUnder.length).toBe(64 * 1024);
  expect(parse(justUnder)).not.toBeNull();
});

test("headers named in Connection are dropped with it; the body's framing stays", () => {
  const h = parse(
    "GET / HTTP/1.1\r\nX-A: 1\r\nConnection: keep-alive, X-Secret ,x-other\r\nX-Secret: s\r\nX-B: 2\r\nX-OTHER: o\r\nX-Secrets: kept\r\n\r\n",
  )!;
  expect(h.kept).toBe("X-A: 1\r\nX-B: 2\r\nX-Secrets: kept\r\n");
  expect(h.close).toBe(false);
  const post = parse("POST / HTTP/1.1\r\nConnection: close, Content-Length\r\nContent-Length: 2\r\n\r\n")!;
  expect([post.kept, post.contentLength, post.close]).toEqual(["Content-Length: 2\r\n", 2, true]);
  const ws = parse(
    "GET / HTTP/1.1\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: x\r\n\r\n",
  )!;
  expect([ws.kept, ws.upgrade]).toEqual(["", "h2c"]);
});

test("forwarding and X-Pier-* headers a client sends are dropped", () => {
  const h = parse(
    "GET / HTTP/1.1\r\nX-Real-IP: 6.6.6.6\r\nForwarded: for=6.6.6.6\r\nX-Pier-Edge: guess\r\nX-Pier-Inject-Tracker: tracker\r\nX-Pier-App: victim\r\nX-Pier-Host: v.test\r\nX-Keep: 1\r\n\r\n",
  )!;
  expect(h.kept).toBe("X-Keep: 1\r\n");
});

test("dot segments are removed from the target before routing; a repeated target is reused", () => {
  const h = new RequestHead();
  const at = (target: string) =>
    parseRequestHead(Buffer.from(`GET ${target} HTTP/1.1\r\n\r\n`, "latin1"), 0, "", h)!;
  expect([at("/public/../admin").target, h.rawTarget]).toEqual(["/admin", false]);
  expect([at("/a/%2E%2e/b?x=/../y").target, h.rawTarget]).toEqual(["/b?x=/../y", false]);
  const plain = at("/.well-known/x?y=..").target;
  expect([plain, h.rawTarget]).toEqual(["/.well-known/x?y=..", true]);
  expect(at("/.well-known/x?y=..").target).toBe(plain);
});

const statusOf = (wire: string): number | null => {
  try {
    parse(wire);
    return null;
  } catch (e) {
    return (e as BadRequestError).status;
  }
};

test("Host is one line holding uri-host [':' port] (RFC 9112 3.2); anything else is a 400", () => {
  for (const good of [
    "a.test",
    "A.Test:8080",
    "a.test:",
    "127.0.0.1:80",
    "[::1]:8443",
    "[2001:db8::a]",
    "x_y.test",
    "",
  ])
    expect([good, parse(`GET / HTTP/1.1\r\nHost: ${good}\r\n\r\n`)!.host]).toEqual([good, good]);
  for (const bad of [
    "up.test:@evil.example",
    "up.test:80x",
    "evil.example/.wild.test",
    "evil.example?.wild.test",
    "evil.example#.wild.test",
    "user@up.test",
    "a.test\\b",
    "a test",
    "[::1",
    "[::1]x",
    "[v1.x]",
    "a.test:8:8",
    "%zz.test",
    "\xe9.test",
  ])
    expect([bad, statusOf(`GET / HTTP/1.1\r\nHost: ${bad}\r\n\r\n`)]).toEqual([bad, 400]);
  expect(statusOf("GET / HTTP/1.1\r\nHost: other.test\r\nHost: up.test\r\n\r\n")).toBe(400);
  expect(statusOf("GET / HTTP/1.1\r\nHost: up.test\r\nhost: up.test\r\n\r\n")).toBe(400);
});

test("underscore spellings of forwarding and X-Pier-* headers are dropped (CGI reads them as the real ones)", () => {
  const h = parse(
    "GET / HTTP/1.1\r\nX_Forwarded_For: 1.2.3.4\r\nX-Forwarded_Proto: https\r\nx_real_ip: 1.2.3.4\r\nX_Pier_Edge: guess\r\nX_Forwarded_Host: e.test\r\nX_Request_Id: r\r\nX_Other_Thing: kept\r\nX-Custom_Name: kept\r\n\r\n",
  )!;
  expect(h.kept).toBe("X_Other_Thing: kept\r\nX-Custom_Name: kept\r\n");
});

test("bytes the RFCs forbid in the request line and field values are a 400, not forwarded", () => {
  for (const bad of [
    "GET /a\tb HTTP/1.1\r\n\r\n",
    "GET /a\x7fb HTTP/1.1\r\n\r\n",
    "GET / HTTP/1.1\r\nX: a\x7fb\r\n\r\n",
    "GET / HTTP/1.1\r\nX: a\x0bb\r\n\r\n",
    "G\xc3T / HTTP/1.1\r\n\r\n",
    "GET:x / HTTP/1.1\r\n\r\n",
    "GE(T / HTTP/1.1\r\n\r\n",
  ])
    expect([bad, statusOf(bad)]).toEqual([bad, 400]);
  expect(parse("PROPFIND /a HTTP/1.1\r\n\r\n")!.method).toBe("PROPFIND");
  expect(parse("M-SEARCH * HTTP/1.1\r\n\r\n")!.method).toBe("M-SEARCH");
});

test("Transfer-Encoding other than exactly chunked is a 501; chunked twice is a 400", () => {
  for (const coding of ["xchunked", "foo, chunked", "gzip, chunked", "gzip", "chunked, identity", "identity"])
    expect([coding, statusOf(`POST / HTTP/1.1\r\nTransfer-Encoding: ${coding}\r\n\r\n`)]).toEqual([
      coding,
      501,
    ]);
  expect(parse("POST / HTTP/1.1\r\nTransfer-Encoding:  Chunked \r\n\r\n")!.chunked).toBe(true);
  expect(
    statusOf("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"),
  ).toBe(400);
  expect(statusOf("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n")).toBe(
    501,
  );
});

test("Transfer-Encoding in an HTTP/1.0 request is a 400, except in the HTTP/2 bridge's heads", () => {
  const head = "POST / HTTP/1.0\r\nhost: a.test\r\ntransfer-encoding: chunked\r\n\r\n";
  expect(statusOf(head)).toBe(400);
  const bridged = parseRequestHead(Buffer.from(head, "latin1"), 0, "", new RequestHead(), true)!;
  expect([bridged.http10, bridged.chunked]).toEqual([true, true]);
});

test("a Connection header naming more than 32 headers is a 400 (dropping them is per line and per name)", () => {
  const names = (n: number) => Array.from({ length: n }, (_, i) => `x-${i}`).join(", ");
  expect(parse(`GET / HTTP/1.1\r\nConnection: close, ${names(32)}\r\nX-31: a\r\nX-32: b\r\n\r\n`)!.kept).toBe(
    "X-32: b\r\n",
  );
  expect(statusOf(`GET / HTTP/1.1\r\nConnection: ${names(33)}\r\n\r\n`)).toBe(400);
  expect(statusOf(`GET / HTTP/1.1\r\nConnection: ${names(20)}\r\nConnection: ${names(13)}\r\n\r\n`)).toBe(
    400,
  );
});
