import { expect, test } from "bun:test";
import { parseRequestHead } from "./request-head.ts";
import {
  type ForwardedHeaders,
  forwardingLines,
  requestIdText,
  upstreamHeadBound,
  writeUpstreamHead,
} from "./upstream-head.ts";

const forwarded = (o: Partial<ForwardedHeaders> = {}): ForwardedHeaders => ({
  forwardedFor: Buffer.from("x-forwarded-for: 10.1.2.3\r\nx-forwarded-proto: http\r\n", "latin1"),
  requestIdPrefix: Buffer.from("ab12-0-", "latin1"),
  requestNumber: 0,
  extra: "",
  ...o,
});

function written(wire: string, path: string | null, f: ForwardedHeaders): string {
  const h = parseRequestHead(Buffer.from(wire, "latin1"), 0)!;
  const out = Buffer.alloc(upstreamHeadBound(h, path ?? h.target, f));
  const n = writeUpstreamHead(out, h, path ?? h.target, f);
  return out.toString("latin1", 0, n);
}

test("the client's own lines pass through, stripped ones are replaced by the proxy's", () => {
  const wire =
    "GET /a?b=1 HTTP/1.1\r\nUser-Agent: t\r\nHost: Ex.com:8080\r\nConnection: keep-alive\r\nX-Forwarded-For: 6.6.6.6\r\nAccept: */*\r\n\r\n";
  expect(written(wire, null, forwarded({ requestNumber: 36 * 36 + 35 }))).toBe(
    "GET /a?b=1 HTTP/1.1\r\nhost: Ex.com:8080\r\nUser-Agent: t\r\nAccept: */*\r\n" +
      "x-forwarded-for: 10.1.2.3\r\nx-forwarded-proto: http\r\nx-forwarded-host: Ex.com:8080\r\n" +
      "x-request-id: ab12-0-10z\r\n\r\n",
  );
});

test("a rewritten path, a client request id, extra lines, chunked and upgrade heads", () => {
  const wire =
    "POST /api/x HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\nX-Request-Id: mine\r\n\r\n";
  expect(written(wire, "/x", forwarded({ extra: "x-pier-host: a.test\r\n" }))).toBe(
    "POST /x HTTP/1.1\r\nhost: a.test\r\nx-forwarded-for: 10.1.2.3\r\nx-forwarded-proto: http\r\n" +
      "x-forwarded-host: a.test\r\nx-request-id: mine\r\nx-pier-host: a.test\r\ntransfer-encoding: chunked\r\n\r\n",
  );
  const ws = "GET /ws HTTP/1.1\r\nHost: a.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n";
  expect(written(ws, null, forwarded())).toEndWith(
    "x-request-id: ab12-0-0\r\nconnection: upgrade\r\nupgrade: websocket\r\n\r\n",
  );
});

test("bytes above 0x7f and long header runs are copied exactly; the bound holds", () => {
  const long = "y".repeat(5000);
  const wire = `GET /caf\xe9 HTTP/1.1\r\nHost: h\r\nX-Name: \xe9\xff\r\nX-Long: ${long}\r\n\r\n`;
  const f = forwarded();
  const h = parseRequestHead(Buffer.from(wire, "latin1"), 0)!;
  const out = Buffer.alloc(upstreamHeadBound(h, h.target, f));
  const n = writeUpstreamHead(out, h, h.target, f);
  const text = out.toString("latin1", 0, n);
  expect(text).toStartWith("GET /caf\xe9 HTTP/1.1\r\nhost: h\r\nX-Name: \xe9\xff\r\n");
  expect(text).toContain(`X-Long: ${long}\r\n`);
  expect(n).toBeLessThanOrEqual(out.length);
});

test("the generated id in the head is the one requestIdText names", () => {
  for (const n of [0, 9, 10, 35, 36, 1295, 1296, 123_456_789, 2 ** 40]) {
    const text = written("GET / HTTP/1.1\r\nHost: h\r\n\r\n", null, forwarded({ requestNumber: n }));
    expect(text).toContain(`x-request-id: ${requestIdText("ab12-0-", n)}\r\n`);
  }
});

test("the client's address in every form apps read; IPv6 quoted in Forwarded", () => {
  expect(forwardingLines("10.1.2.3", false).toString("latin1")).toBe(
    "x-forwarded-for: 10.1.2.3\r\nx-forwarded-proto: http\r\nx-real-ip: 10.1.2.3\r\nforwarded: for=10.1.2.3;proto=http\r\n",
  );
  expect(forwardingLines("::1", true).toString("latin1")).toContain('forwarded: for="[::1]";proto=https\r\n');
});

test("a target whose dot segments were removed is written as resolved, not as sent", () => {
  expect(written("GET /public/../admin HTTP/1.1\r\nHost: a\r\n\r\n", null, forwarded())).toStartWith(
    "GET /admin HTTP/1.1\r\n",
  );
});
