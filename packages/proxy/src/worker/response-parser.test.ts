import { expect, test } from "bun:test";
import {
  ChunkedDecoder,
  parseResponseHead,
  ResponseHead,
  rewriteResponseHead,
  UpstreamProtocolError,
} from "./response-parser.ts";

test("reads status and framing; a head with hop-by-hop headers is flagged and rewritten without them", () => {
  const wire =
    "HTTP/1.1 201 Created\r\nContent-Length: 5\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nX-A: b\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\nhello";
  const head = parseResponseHead(Buffer.from(`junk${wire}`), 4)!;
  expect(head.status).toBe(201);
  expect(head.contentLength).toBe(5);
  expect(head.close).toBe(false);
  expect(head.hopByHop).toBe(true);
  expect(head.headLength).toBe(wire.length - 5);
  expect(rewriteResponseHead(head, true, false)).toBe(
    "HTTP/1.1 201 Created\r\nContent-Length: 5\r\nX-A: b\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nconnection: close\r\n\r\n",
  );
});

test("a plain head passes as is; chunked is seen and dropped when de-chunking for HTTP/1.0", () => {
  const plain = parseResponseHead(
    Buffer.from("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\nok"),
  )!;
  expect(plain.hopByHop).toBe(false);
  const chunked = parseResponseHead(
    Buffer.from("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX: y\r\n\r\n"),
  )!;
  expect(chunked.chunked).toBe(true);
  expect(chunked.contentLength).toBe(-1);
  expect(rewriteResponseHead(chunked, true, true)).toBe(
    "HTTP/1.1 200 OK\r\nX: y\r\nconnection: close\r\n\r\n",
  );
});

test("Connection: keep-alive alone passes as is; with other tokens, or with Keep-Alive, it is rewritten", () => {
  const head = (extra: string) =>
    parseResponseHead(
      Buffer.from(`HTTP/1.1 200 OK\r\nServer: nginx\r\ncontent-length: 2\r\n${extra}\r\nok`),
    )!;
  expect(head("Connection: keep-alive\r\n")).toMatchObject({ hopByHop: false, close: false });
  expect(head("connection: Keep-Alive\r\n").hopByHop).toBe(false);
  expect(head("Connection: keep-alive, Upgrade\r\n").hopByHop).toBe(true);
  expect(head("Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n").hopByHop).toBe(true);
  expect(head("Connection: close\r\n")).toMatchObject({ hopByHop: true, close: true });
});

test("the rewrite drops exactly the hop-by-hop lines, from a head inside a buffer that holds more", () => {
  const wire =
    "HTTP/1.1 200 OK\r\nUpgrade: h2c\r\nX-Connection: a\r\nConnection: Upgrade\r\nContent-Length: 2\r\nTrailer: x\r\n\r\nok";
  const head = parseResponseHead(Buffer.from(`earlier bytes${wire}`), 13)!;
  expect(rewriteResponseHead(head, false, false)).toBe(
    "HTTP/1.1 200 OK\r\nX-Connection: a\r\nContent-Length: 2\r\n\r\n",
  );
});

test("incomplete head returns null; HTTP/1.0 closes; garbage throws a named error", () => {
  expect(parseResponseHead(Buffer.from("HTTP/1.1 200 OK\r\nX: y\r\n"))).toBeNull();
  expect(parseResponseHead(Buffer.from("HTTP/1.0 200 OK\r\n\r\n"))!.close).toBe(true);
  expect(parseResponseHead(Buffer.from("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"))!.close).toBe(true);
  expect(() => parseResponseHead(Buffer.from("SSH-2.0-OpenSSH\r\n\r\n"))).toThrow(UpstreamProtocolError);
  expect(() => parseResponseHead(Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"))).toThrow(
    UpstreamProtocolError,
  );
});

test("chunked decoder handles pieces split at every byte, extensions and trailers", () => {
  const wire = Buffer.from("5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\nNEXT");
  for (let split = 1; split < wire.length - 4; split++) {
    const d = new ChunkedDecoder();
    const out: string[] = [];
    const emit = (c: Uint8Array) => out.push(Buffer.from(c).toString());
    expect(d.feed(wire.subarray(0, split), 0, emit)).toBe(-1);
    const end = d.feed(wire.subarray(split), 0, emit);
    expect(out.join("")).toBe("hello world");
    expect(split + end).toBe(wire.length - 4);
    expect(d.decodedBytes).toBe(11);
  }
});

test("chunked decoder refuses what other readers end elsewhere: bare LF, long sizes, control bytes", () => {
  const decode = (text: string) => new ChunkedDecoder().feed(Buffer.from(text, "latin1"), 0, null);
  const ok = ["5 ;a=b\r\nhello\r\n0\r\n\r\n", `${"0".repeat(15)}1\r\nx\r\n0\r\nX: t\r\n\r\n`];
  for (const body of ok) expect(decode(`${body}NEXT`)).toBe(body.length);
  for (const bad of [
    "5\nhello\r\n0\r\n\r\n",
    "5\r\nhello\n0\r\n\r\n",
    "5\r\nhello\r\n0\n\r\n",
    "5\r\nhello\r\n0\r\n\n",
    "5\r\nhello\r\n0\r\nX: t\n\r\n",
    "5\rhello\r\n0\r\n\r\n",
    `${"0".repeat(16)}1\r\nx\r\n0\r\n\r\n`,
    "fffffffffffffffff\r\n",
    "20000000000000\r\n",
    "5;a\0b\r\nhello\r\n0\r\n\r\n",
    "5;a\nb\r\nhello\r\n0\r\n\r\n",
    "5x\r\nhello\r\n0\r\n\r\n",
    "\r\n",
  ]) {
    expect(() => decode(bad)).toThrow(UpstreamProtocolError);
  }
});

test("framing values are read in place: case, white space, lists and non-digits", () => {
  const head = (s: string) => parseResponseHead(Buffer.from(`HTTP/1.1 200 OK\r\n${s}\r\n\r\n`))!;
  expect(head("CONTENT-LENGTH:\t12 ").contentLength).toBe(12);
  expect(head("Transfer-Encoding: gzip, Chunked").chunked).toBe(true);
  expect(head("Connection: Keep-Alive").close).toBe(false);
  expect(head("connection: upgrade, close").close).toBe(true);
  for (const bad of ["Content-Length: 1e3", "Content-Length: ", "Content-Length: 1, 1"]) {
    expect(() => head(bad)).toThrow(UpstreamProtocolError);
  }
  expect(() => parseResponseHead(Buffer.from("HTTP/1.1 2x0 OK\r\n\r\n"))).toThrow(UpstreamProtocolError);
  expect(parseResponseHead(Buffer.from("HTTP/1.1 204\r\n\r\n"))!.status).toBe(204);
});

test("one head object serves a connection's responses; an incomplete head leaves it as it was", () => {
  const h = new ResponseHead();
  parseResponseHead(
    Buffer.from("HTTP/1.1 201 Created\r\nContent-Length: 3\r\nConnection: close\r\n\r\n"),
    0,
    h,
  );
  expect(parseResponseHead(Buffer.from("HTTP/1.1 200 OK\r\nX: y\r\n"), 0, h)).toBeNull();
  expect([h.status, h.contentLength, h.close, h.hopByHop]).toEqual([201, 3, true, true]);
  expect(parseResponseHead(Buffer.from("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"), 0, h)).toBe(
    h,
  );
  expect([h.status, h.contentLength, h.chunked, h.close, h.hopByHop]).toEqual([200, -1, true, false, false]);
});
