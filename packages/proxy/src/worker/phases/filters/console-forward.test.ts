import { expect, test } from "bun:test";
import { CONSOLE, fakeSession } from "../../../testing/fake-session.ts";
import { forwardToConsole } from "./console-forward.ts";

const routes = [
  { id: "app", host: "a.test", appId: "app_1", upstreams: ["http://127.0.0.1:3001"] },
  { id: "bare", host: "b.test", upstreams: ["http://127.0.0.1:3002"] },
];

test("/_pier/ paths go to the console, unchanged, with the route's host and app and the edge secret", () => {
  const edgeLine = "x-pier-edge: edge_secret\r\n";
  const s = fakeSession("GET /_pier/script.js?v=2 HTTP/1.1\nHost: A.test\n\n", {
    routes,
    internal: CONSOLE,
    edgeLine,
  });
  expect(forwardToConsole(s)).toBe(true);
  expect(s.forwarded).toEqual({
    path: "/_pier/script.js?v=2",
    pinned: CONSOLE,
    extra: "x-pier-host: a.test\r\nx-pier-app: app_1\r\nx-pier-edge: edge_secret\r\n",
  });
  const bare = fakeSession("GET /_pier/x HTTP/1.1\nHost: b.test\n\n", { routes, internal: CONSOLE });
  forwardToConsole(bare);
  expect(bare.forwarded?.extra).toBe("x-pier-host: b.test\r\n");
});

test("other paths, and every path without a console, go on to the app", () => {
  expect(
    forwardToConsole(fakeSession("GET /_pierx HTTP/1.1\nHost: a.test\n\n", { routes, internal: CONSOLE })),
  ).toBe(false);
  expect(forwardToConsole(fakeSession("GET /_pier/x HTTP/1.1\nHost: a.test\n\n", { routes }))).toBe(false);
});
