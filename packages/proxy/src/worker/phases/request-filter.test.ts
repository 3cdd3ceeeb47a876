import { expect, test } from "bun:test";
import { CONSOLE, type FakeSessionOptions, fakeSession } from "../../testing/fake-session.ts";
import { REQUEST_FILTERS, requestFilter } from "./request-filter.ts";

const routes = [
  { id: "plain", host: "a.test", appId: "app_a", upstreams: ["http://127.0.0.1:3001"], maxBodyBytes: 100 },
  {
    id: "closed",
    host: "m.test",
    upstreams: ["http://127.0.0.1:3002"],
    redirectHttps: true,
    maintenance: { message: "later" },
  },
  { id: "canon", host: "*.c.test", canonicalHost: "www.c.test", upstreams: ["http://127.0.0.1:3003"] },
];
const options: FakeSessionOptions = { routes, internal: CONSOLE, beacons: true, acme: { t: "t.key" } };

/** Runs the chain from a fresh session with its route unset, as the front does. */
function run(head: string, extra: FakeSessionOptions = {}) {
  const s = fakeSession(head, { ...options, ...extra, routed: false });
  return { taken: requestFilter(s), s };
}

test("a plain request passes every filter with its route set", () => {
  const { taken, s } = run("GET /x HTTP/1.1\nHost: a.test\n\n");
  expect(taken).toBe(false);
  expect(s.outcome).toBe("passed");
  expect(s.route?.id).toBe("plain");
});

test("the ACME challenge comes before the route lookup: a host without a route gets its token", () => {
  const { s } = run("GET /.well-known/acme-challenge/t HTTP/1.1\nHost: new.test\n\n");
  expect(s.answered?.res.body).toBe("t.key");
});

test("a bad target is refused before anything looks at its path", () => {
  expect(
    run("GET http://a.test/.well-known/acme-challenge/t HTTP/1.1\nHost: a.test\n\n").s.answered?.res.status,
  ).toBe(400);
});

test("redirects come before maintenance, maintenance before the body limit", () => {
  expect(run("GET / HTTP/1.1\nHost: m.test\n\n").s.answered?.res.status).toBe(308);
  expect(run("GET / HTTP/1.1\nHost: m.test\n\n", { tls: true }).s.answered?.res.status).toBe(503);
  expect(run("GET / HTTP/1.1\nHost: shop.c.test\n\n").s.answered?.res.status).toBe(308);
  expect(run("POST / HTTP/1.1\nHost: a.test\nContent-Length: 101\n\n").s.answered?.res.status).toBe(413);
});

test("beacons are taken before /_pier/ forwarding; other /_pier/ paths go to the console, even on a closed route", () => {
  expect(run("POST /_pier/event HTTP/1.1\nHost: a.test\nContent-Length: 5\n\n").s.beaconBytes).toBe(5);
  expect(run("GET /_pier/script.js HTTP/1.1\nHost: m.test\n\n", { tls: true }).s.forwarded?.pinned).toBe(
    CONSOLE,
  );
});

test("requestFilter behaves as a loop over REQUEST_FILTERS, request by request", () => {
  const heads = [
    "GET /x HTTP/1.1\nHost: a.test\n\n",
    "GET * HTTP/1.1\nHost: a.test\n\n",
    "GET /.well-known/acme-challenge/t HTTP/1.1\nHost: a.test\n\n",
    "GET / HTTP/1.1\nHost: nobody.test\n\n",
    "GET / HTTP/1.1\nHost: m.test\n\n",
    "GET / HTTP/1.1\nHost: x.c.test\n\n",
    "POST /_pier/event HTTP/1.1\nHost: a.test\nContent-Length: 5\n\n",
    "GET /_pier/x HTTP/1.1\nHost: a.test\n\n",
    "POST / HTTP/1.1\nHost: a.test\nContent-Length: 101\n\n",
  ];
  for (const tls of [false, true]) {
    for (const head of heads) {
      const chained = run(head, { tls });
      const looped = fakeSession(head, { ...options, tls, routed: false });
      const taken = REQUEST_FILTERS.some((filter) => filter(looped));
      expect(taken).toBe(chained.taken);
      expect(looped.outcome).toBe(chained.s.outcome);
      expect(looped.answered?.res.status).toBe(chained.s.answered?.res.status);
      expect(looped.route?.id).toBe(chained.s.route?.id);
    }
  }
});
