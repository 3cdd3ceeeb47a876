import { expect, test } from "bun:test";
import { fakeSession } from "../../../testing/fake-session.ts";
import { lookUpRoute } from "./route-lookup.ts";

const routes = [
  { id: "site", host: "a.test", upstreams: ["http://127.0.0.1:3001"] },
  { id: "api", host: "a.test", pathPrefix: "/api", upstreams: ["http://127.0.0.1:3002"] },
];

test("sets the route of the host's longest matching prefix and lets the request go on", () => {
  const s = fakeSession("GET /api/x HTTP/1.1\nHost: A.test:8080\n\n", { routes, routed: false });
  expect(lookUpRoute(s)).toBe(false);
  expect(s.route?.id).toBe("api");
  expect(s.outcome).toBe("passed");
});

test("a host no route claims gets the recorded unknown-host page", () => {
  const s = fakeSession("GET / HTTP/1.1\nHost: other.test\n\n", { routes, routed: false });
  expect(lookUpRoute(s)).toBe(true);
  expect(s.route).toBeNull();
  expect(s.answered?.res.status).toBe(404);
  expect(s.answered?.res.body).toContain("other.test");
  expect(s.answered).toMatchObject({ closeForBody: false, record: true });
});
