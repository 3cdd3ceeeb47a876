import { expect, test } from "bun:test";
import { fakeSession } from "../../../testing/fake-session.ts";
import { BadRequestError } from "../../request-head.ts";
import { redirectToHttps } from "./https-redirect.ts";

const routes = [{ id: "r", host: "a.test", upstreams: ["http://127.0.0.1:3001"], redirectHttps: true }];

test("plain HTTP goes to the same host and target over HTTPS, with the HTTPS port when not 443", () => {
  const s = fakeSession("GET /p?q=1 HTTP/1.1\nHost: a.test:8080\n\n", { routes });
  expect(redirectToHttps(s)).toBe(true);
  expect(s.answered?.res).toMatchObject({ status: 308, headers: "location: https://a.test/p?q=1\r\n" });
  expect(s.answered?.record).toBe(true);
  const port = fakeSession("GET / HTTP/1.1\nHost: a.test\n\n", { routes, httpsPort: 8443 });
  redirectToHttps(port);
  expect(port.answered?.res.headers).toBe("location: https://a.test:8443/\r\n");
});

test("HTTPS requests and routes without the setting pass", () => {
  expect(redirectToHttps(fakeSession("GET / HTTP/1.1\nHost: a.test\n\n", { routes, tls: true }))).toBe(false);
  const plain = [{ id: "r", host: "a.test", upstreams: ["http://127.0.0.1:3001"] }];
  expect(redirectToHttps(fakeSession("GET / HTTP/1.1\nHost: a.test\n\n", { routes: plain }))).toBe(false);
});

test("Location is built from the route's host name: a Host that is not one never gets a redirect", () => {
  const wild = [{ id: "w", host: "*.w.test", upstreams: ["http://127.0.0.1:3001"], redirectHttps: true }];
  const s = fakeSession("GET /login HTTP/1.1\nHost: Shop.W.Test:8080\n\n", { routes: wild });
  redirectToHttps(s);
  expect(s.answered?.res.headers).toBe("location: https://shop.w.test/login\r\n");
  for (const host of [
    "evil.example/.w.test",
    "evil.example?.w.test",
    "evil.example#.w.test",
    "a.test:@evil.example",
  ]) {
    let redirectedTo: string | null = null;
    try {
      const bad = fakeSession(`GET /login HTTP/1.1\nHost: ${host}\n\n`, { routes: [...wild, ...routes] });
      if (bad.route !== null && redirectToHttps(bad)) redirectedTo = bad.answered!.res.headers;
    } catch (e) {
      expect(e).toBeInstanceOf(BadRequestError);
    }
    expect([host, redirectedTo]).toEqual([host, null]);
  }
});

test("a Host with a trailing dot is redirected to the host name without it", () => {
  const s = fakeSession("GET /p HTTP/1.1\nHost: A.test.:8080\n\n", { routes });
  expect(s.route?.id).toBe("r");
  expect(redirectToHttps(s)).toBe(true);
  expect(s.answered?.res.headers).toBe("location: https://a.test/p\r\n");
});
