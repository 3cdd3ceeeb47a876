import { expect, test } from "bun:test";
import { requestOrigins, resolveClientAddress, trustedProxies } from "./client-address.ts";

const none = trustedProxies([]);
const lan = trustedProxies(["10.0.0.0/8", "::1"]);

test("without trusted proxies X-Forwarded-For is ignored: the peer is the client", () => {
  expect(resolveClientAddress("203.0.113.7", "1.2.3.4", none)).toBe("203.0.113.7");
  expect(resolveClientAddress(undefined, "1.2.3.4", none)).toBe("unknown");
});

test("a trusted peer's header is read from the right, skipping other trusted hops", () => {
  expect(resolveClientAddress("10.0.0.2", "198.51.100.9", lan)).toBe("198.51.100.9");
  // The client wrote the first entry itself; the proxies appended the rest.
  expect(resolveClientAddress("10.0.0.2", "6.6.6.6, 198.51.100.9, 10.0.0.3", lan)).toBe("198.51.100.9");
  expect(resolveClientAddress("::1", "198.51.100.9", lan)).toBe("198.51.100.9");
  expect(resolveClientAddress("::ffff:10.1.1.1", "198.51.100.9", lan)).toBe("198.51.100.9");
  expect(resolveClientAddress("10.0.0.2", "not-an-ip", lan)).toBe("10.0.0.2");
});

test("an untrusted peer cannot pose as a trusted one", () => {
  expect(resolveClientAddress("203.0.113.7", "10.0.0.2", lan)).toBe("203.0.113.7");
});

test("bad entries are refused", () => {
  expect(() => trustedProxies(["10.0.0.0/8", "example.com"])).toThrow("not an IP address");
});

test("requestOrigins: only the workers' secret makes forwarded headers count", () => {
  const origins = requestOrigins("s3cret-edge-value", trustedProxies([]));
  const server = { requestIP: () => ({ address: "127.0.0.1" }) };
  const forwarded = new Request("http://h/", {
    headers: { "x-pier-edge": "s3cret-edge-value", "x-forwarded-for": "203.0.113.5" },
  });
  expect(origins(forwarded, server)).toEqual({ address: "203.0.113.5", viaEdge: true });
  const forged = new Request("http://h/", {
    headers: { "x-pier-edge": "guess", "x-forwarded-for": "203.0.113.5" },
  });
  expect(origins(forged, server)).toEqual({ address: "127.0.0.1", viaEdge: false });
  const direct = new Request("http://h/", { headers: { "x-forwarded-for": "203.0.113.5" } });
  expect(origins(direct, server)).toEqual({ address: "127.0.0.1", viaEdge: false });
});
