import { describe, expect, test } from "bun:test";
import { H2RequestError, requestHeadFromStream, responseHeadersFromHead } from "./h1-translation.ts";

const base = { ":method": "GET", ":path": "/a?b=1", ":scheme": "https", ":authority": "shop.test" };

describe("requestHeadFromStream", () => {
  test("pseudo-headers become the request line and host; fields follow", () => {
    const head = requestHeadFromStream({ ...base, accept: "*/*", cookie: "a=1; b=2" }, false);
    expect(head).toBe("GET /a?b=1 HTTP/1.0\r\nhost: shop.test\r\naccept: */*\r\ncookie: a=1; b=2\r\n\r\n");
  });

  test("a body without content-length is sent chunked; with one, as it is", () => {
    expect(requestHeadFromStream({ ...base, ":method": "POST" }, true)).toContain(
      "transfer-encoding: chunked\r\n",
    );
    const sized = requestHeadFromStream({ ...base, ":method": "POST", "content-length": "5" }, true);
    expect(sized).toContain("content-length: 5\r\n");
    expect(sized).not.toContain("transfer-encoding");
  });

  test("connection-specific fields and a second host are dropped", () => {
    const head = requestHeadFromStream(
      { ...base, connection: "close", "transfer-encoding": "chunked", host: "other.test", upgrade: "x" },
      false,
    );
    expect(head).toBe("GET /a?b=1 HTTP/1.0\r\nhost: shop.test\r\n\r\n");
  });

  test("repeated fields become one line each", () => {
    expect(requestHeadFromStream({ ...base, "x-a": ["1", "2"] }, false)).toContain("x-a: 1\r\nx-a: 2\r\n");
  });

  test("a line break in a name, value or pseudo-header is refused, never passed as a line", () => {
    for (const h of [
      { ...base, "x-a": "1\r\nx-injected: yes" },
      { ...base, "x-a": ["ok", "2\nx"] },
      { ...base, ":path": "/a\r\nx: y" },
      { ...base, "x-a": "nul\0" },
    ]) {
      expect(() => requestHeadFromStream(h, false)).toThrow(H2RequestError);
    }
  });

  test("missing pseudo-headers and CONNECT are refused with a status", () => {
    const status = (h: Record<string, string>) => {
      try {
        requestHeadFromStream(h, false);
        return 0;
      } catch (err) {
        return (err as H2RequestError).status;
      }
    };
    expect(status({ ":method": "GET", ":authority": "a" })).toBe(400);
    expect(status({ ":method": "GET", ":path": "/" })).toBe(400);
    expect(status({ ":method": "CONNECT", ":authority": "a:443" })).toBe(405);
  });
});

describe("responseHeadersFromHead", () => {
  test("status, lower-cased names, repeated set-cookie; hop-by-hop fields dropped", () => {
    const r = responseHeadersFromHead(
      "HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nSet-Cookie: a=1\r\nset-cookie: b=2\r\nConnection: close\r\nTransfer-Encoding: chunked\r\nKeep-Alive: timeout=5\r\nContent-Length: 12\r\n\r\n",
    );
    expect(r.status).toBe(201);
    expect(r.contentLength).toBe(12);
    expect(r.headers).toEqual({
      ":status": 201,
      "content-type": "text/plain",
      "set-cookie": ["a=1", "b=2"],
      "content-length": "12",
    });
  });

  test("the header list is sized as HTTP/2 counts it: name, value and 32 bytes per field", () => {
    const r = responseHeadersFromHead(
      "HTTP/1.1 200 OK\r\nX-A: bc\r\nSet-Cookie: a=1\r\nConnection: close\r\n\r\n",
    );
    expect(r.listBytes).toBe(3 + 2 + 32 + (10 + 3 + 32));
  });

  test("no content-length is -1", () => {
    expect(responseHeadersFromHead("HTTP/1.0 200 OK\r\n\r\n").contentLength).toBe(-1);
  });
});
