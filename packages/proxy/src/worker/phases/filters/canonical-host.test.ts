import { expect, test } from "bun:test";
import { fakeSession } from "../../../testing/fake-session.ts";
import { redirectToCanonicalHost } from "./canonical-host.ts";

const routes = [
  { id: "r", host: "*.a.test", canonicalHost: "www.a.test", upstreams: ["http://127.0.0.1:3001"] },
];

test("another host of the route goes to the canonical one, scheme, port and target kept", () => {
  const s = fakeSession("GET /p HTTP/1.1\nHost: shop.a.test\n\n", { routes });
  expect(redirectToCanonicalHost(s)).toBe(true);
  expect(s.answered?.res).toMatchObject({ status: 308, headers: "location: http://www.a.test/p\r\n" });
  const tls = fakeSession("GET /p HTTP/1.1\nHost: shop.a.test\n\n", { routes, tls: true, httpsPort: 8443 });
  redirectToCanonicalHost(tls);
  expect(tls.answered?.res.headers).toBe("location: https://www.a.test:8443/p\r\n");
  const http = fakeSession("GET / HTTP/1.1\nHost: shop.a.test\n\n", { routes, httpPort: 8080 });
  redirectToCanonicalHost(http);
  expect(http.answered?.res.headers).toBe("location: http://www.a.test:8080/\r\n");
});

test("the canonical host itself and routes without one pass", () => {
  expect(redirectToCanonicalHost(fakeSession("GET / HTTP/1.1\nHost: WWW.a.test\n\n", { routes }))).toBe(
    false,
  );
  const plain = [{ id: "r", host: "a.test", upstreams: ["http://127.0.0.1:3001"] }];
  expect(redirectToCanonicalHost(fakeSession("GET / HTTP/1.1\nHost: a.test\n\n", { routes: plain }))).toBe(
    false,
  );
});

test("the canonical host with a trailing dot is the canonical host: no redirect loop", () => {
  expect(redirectToCanonicalHost(fakeSession("GET / HTTP/1.1\nHost: www.a.test.\n\n", { routes }))).toBe(
    false,
  );
  const other = fakeSession("GET /p HTTP/1.1\nHost: shop.a.test.:80\n\n", { routes });
  expect(redirectToCanonicalHost(other)).toBe(true);
  expect(other.answered?.res.headers).toBe("location: http://www.a.test/p\r\n");
});
