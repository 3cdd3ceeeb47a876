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
  expect(head.needsRewrite).toBe(true);
  expect(head.headLength).toBe(wire.length - 5);
  expect(rewriteResponseHead(head, true, false)).toBe(
    "HTTP/1.1 201 Created\r\nContent-Length: 5\r\nX-A: b\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nconnection: close\r\n\r\n",
  );
});

test("a plain head passes as is; chunked is seen and dropped when de-chunking for HTTP/1.0", () => {
  const plain = parseResponseHead(
    Buffer.from("HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\nok"),
  )!;
  expect(plain.needsRewrite).toBe(false);
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
  expect(head("Connection: keep-alive\r\n")).toMatchObject({ needsRewrite: false, close: false });
  expect(head("connection: Keep-Alive\r\n").needsRewrite).toBe(false);
  expect(head("Connection: keep-alive, Upgrade\r\n").needsRewrite).toBe(true);
  expect(head("Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n").needsRewrite).toBe(true);
  expect(head("Connection: close\r\n")).toMatchObject({ needsRewrite: true, close: true });
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

test("a trailer line must be a field line: name, colon, value without control bytes", () => {
  const decode = (text: string) => new ChunkedDecoder().feed(Buffer.from(text, "latin1"), 0, null);
  for (const ok of ["0\r\nX-A: b\tc\r\nEmpty:\r\n\r\n", "0\r\nx:\u00e9t\u00e9\r\n\r\n"]) {
    expect(decode(ok)).toBe(ok.length);
  }
  for (const bad of [
    // Read as the next request by a reader that ends the body at `0\r\n`.
    "0\r\nGET /smuggled HTTP/1.1\r\n\r\n",
    "0\r\n: x\r\n\r\n",
    "0\r\nX : y\r\n\r\n",
    "0\r\nX-A: b\r\n x\r\n\r\n",
    "0\r\nno colon\r\n\r\n",
    "0\r\nnocolon\r\n\r\n",
    "0\r\nX(: y\r\n\r\n",
    "0\r\nX: a\x7f\r\n\r\n",
    "0\r\nX: a\x01\r\n\r\n",
  ]) {
    expect(() => decode(bad), JSON.stringify(bad)).toThrow(UpstreamProtocolError);
  }
});

test("trailer fields are left out of the bytes to forward, wherever the pieces split", () => {
  /** What a forwarder passes on: each piece up to forwardEnd, and CRLF when trailers were dropped. */
  const forwarded = (pieces: Buffer[]) => {
    const d = new ChunkedDecoder();
    let out = "";
    let end = -1;
    for (const piece of pieces) {
      end = d.feed(piece, 0, null);
      out += piece.toString("latin1", 0, d.forwardEnd);
    }
    if (d.trailers) out += "\r\n";
    return { out, end, trailers: d.trailers };
  };
  const body = "3\r\nabc\r\n0\r\n";
  const wire = Buffer.from(`${body}X-Forwarded-For: 1.2.3.4\r\nX-Pier-Edge: s\r\n\r\nNEXT`);
  for (let split = 0; split < wire.length - 4; split++) {
    const { out, end, trailers } = forwarded([wire.subarray(0, split), wire.subarray(split)]);
    expect({ split, out }).toEqual({ split, out: `${body}\r\n` });
    expect(split + end).toBe(wire.length - 4);
    expect(trailers).toBe(true);
  }
  // Without trailers (nearly always) the last chunk passes on as it came, in the same piece.
  const plain = Buffer.from(`${body}\r\nNEXT`);
  const d = new ChunkedDecoder();
  expect(d.feed(plain, 0, null)).toBe(plain.length - 4);
  expect([d.forwardEnd, d.trailers]).toEqual([plain.length - 4, false]);
});

test("framing values are read in place: case, white space, lists and non-digits", () => {
  const head = (s: string) => parseResponseHead(Buffer.from(`HTTP/1.1 200 OK\r\n${s}\r\n\r\n`))!;
  expect(head("CONTENT-LENGTH:\t12 ").contentLength).toBe(12);
  expect(head("Transfer-Encoding: Chunked ").chunked).toBe(true);
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
  expect([h.status, h.contentLength, h.close, h.needsRewrite]).toEqual([201, 3, true, true]);
  expect(parseResponseHead(Buffer.from("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"), 0, h)).toBe(
    h,
  );
  expect([h.status, h.contentLength, h.chunked, h.close, h.needsRewrite]).toEqual([
    200,
    -1,
    true,
    false,
    false,
  ]);
});

test("framing read two ways is refused: a second Content-Length, a coding other than chunked", () => {
  const head = (s: string) => parseResponseHead(Buffer.from(`HTTP/1.1 200 OK\r\n${s}\r\n\r\n`))!;
  for (const bad of [
    "Content-Length: 2\r\nContent-Length: 10",
    "Content-Length: 2\r\nContent-Length: 2",
    "Transfer-Encoding: xchunked",
    "Transfer-Encoding: identity\r\nContent-Length: 2",
    "Transfer-Encoding: gzip, chunked",
    "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked",
  ]) {
    expect(() => head(bad)).toThrow(UpstreamProtocolError);
  }
});

test("a Content-Length beside chunked is dropped from the head the client gets (RFC 9112 6.3)", () => {
  const h = parseResponseHead(
    Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\nX: y\r\n\r\n"),
  )!;
  expect([h.chunked, h.contentLength, h.needsRewrite]).toEqual([true, -1, true]);
  expect(rewriteResponseHead(h, false, false)).toBe(
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX: y\r\n\r\n",
  );
});

test("the status line is HTTP/1.x, three digits, then a space and the reason or nothing", () => {
  const parse = (line: string) => parseResponseHead(Buffer.from(`${line}\r\ncontent-length: 0\r\n\r\n`));
  for (const bad of [
    "HTTP/1.1 2000 OK",
    "HTTP/1.1 2000",
    "HTTP/1.9 200 OK",
    "HTTP/1.1 200OK",
    "HTTP/2.0 200 OK",
  ]) {
    expect(() => parse(bad)).toThrow(UpstreamProtocolError);
  }
  expect(parse("HTTP/1.1 200")).toMatchObject({ status: 200, needsRewrite: false });
  expect(parse("HTTP/1.1 404 ")).toMatchObject({ status: 404, needsRewrite: false });
  // The client gets pier's own version (RFC 9110 2.5).
  const old = parse("HTTP/1.0 200 OK")!;
  expect(old.needsRewrite).toBe(true);
  expect(rewriteResponseHead(old, false, false)).toBe("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
});

test("headers the Connection header names are dropped, except the framing the proxy reads", () => {
  const h = parseResponseHead(
    Buffer.from(
      "HTTP/1.1 200 OK\r\nX-Secret: s\r\nConnection: close, X-Secret\r\nconnection: x-other , Content-Length\r\nX-Other: o\r\nX-Kept: k\r\nContent-Length: 2\r\n\r\n",
    ),
  )!;
  expect([h.needsRewrite, h.connectionNames, h.close]).toEqual([true, true, true]);
  expect(rewriteResponseHead(h, true, false)).toBe(
    "HTTP/1.1 200 OK\r\nX-Kept: k\r\nContent-Length: 2\r\nconnection: close\r\n\r\n",
  );
});

test("an empty header name, or a head over 64 KiB even when it came in one piece, is refused", () => {
  expect(() => parseResponseHead(Buffer.from("HTTP/1.1 200 OK\r\n: x\r\n\r\n"))).toThrow(
    UpstreamProtocolError,
  );
  const huge = (n: number) =>
    Buffer.from(`HTTP/1.1 200 OK\r\nx: ${"a".repeat(n)}\r\ncontent-length: 0\r\n\r\n`);
  // Exactly 64 KiB with the blank line passes.
  expect(parseResponseHead(huge(65536 - 43))!.headLength).toBe(65536);
  expect(() => parseResponseHead(huge(65536 - 42))).toThrow(UpstreamProtocolError);
});
