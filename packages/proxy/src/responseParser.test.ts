import { expect, test } from "bun:test";
import { ChunkedDecoder, parseResponseHead, UpstreamProtocolError } from "./responseParser.ts";

test("parses status, drops hop-by-hop and framing headers, reads framing", () => {
  const head = parseResponseHead(
    Buffer.from(
      "HTTP/1.1 201 Created\r\nContent-Length: 5\r\nConnection: keep-alive\r\nX-A: b\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\nhello",
    ),
  )!;
  expect(head.status).toBe(201);
  expect(head.statusText).toBe("Created");
  expect(head.contentLength).toBe(5);
  expect(head.close).toBe(false);
  expect(head.headers).toEqual([
    ["x-a", "b"],
    ["set-cookie", "a=1"],
    ["set-cookie", "b=2"],
  ]);
  expect(head.headLength).toBe(109);
});

test("incomplete head returns null; HTTP/1.0 closes; garbage throws a named error", () => {
  expect(parseResponseHead(Buffer.from("HTTP/1.1 200 OK\r\nX: y\r\n"))).toBeNull();
  expect(parseResponseHead(Buffer.from("HTTP/1.0 200 OK\r\n\r\n"))!.close).toBe(true);
  expect(() => parseResponseHead(Buffer.from("SSH-2.0-OpenSSH\r\n\r\n"))).toThrow(UpstreamProtocolError);
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
  }
});
