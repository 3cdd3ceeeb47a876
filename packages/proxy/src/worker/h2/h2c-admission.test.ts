import { expect, test } from "bun:test";
import { routeSpecSchema } from "../../shared/route-spec.ts";
import { buildRouteTable } from "../../shared/route-table.ts";
import { admitH2c, h2cRoutePath } from "./h2c-admission.ts";

const grpc = { host: "g.test", upstreams: ["http://127.0.0.1:50051"], upstreamProtocol: "h2c" };
const table = (extra: Record<string, unknown> = {}) =>
  buildRouteTable([routeSpecSchema.parse({ id: "g", ...grpc, ...extra })], 1);
const stream = (path: string, more: Record<string, string> = {}) => ({
  ":method": "POST",
  ":path": path,
  ":authority": "g.test",
  ...more,
});
const kind = (t: ReturnType<typeof table>, headers: Record<string, string>, draining = false) =>
  admitH2c(t, draining, headers).kind;

test("a stream on an h2c route is forwarded as HTTP/2; on another route it goes to the engine", () => {
  expect(kind(table(), stream("/demo.Greeter/SayHello"))).toBe("forward");
  const plain = buildRouteTable(
    [routeSpecSchema.parse({ id: "p", host: "g.test", upstreams: ["http://127.0.0.1:1"] })],
    1,
  );
  expect(kind(plain, stream("/"))).toBe("engine");
  expect(kind(table(), { ...stream("/x"), ":authority": "other.test" })).toBe("engine");
  // The absolute form of the name (a trailing dot) is the same host.
  expect(kind(table(), { ...stream("/x"), ":authority": "G.test.:443" })).toBe("forward");
  expect(kind(table({ canonicalHost: "g.test" }), { ...stream("/x"), ":authority": "g.test." })).toBe(
    "forward",
  );
  expect(kind(table(), { ...stream("/x"), ":authority": "g.test.." })).toBe("engine");
});

test("the route's own answers go through the engine: canonical host, maintenance, body limit, /_pier/, stopping", () => {
  expect(kind(table({ canonicalHost: "www.g.test" }), stream("/a"))).toBe("engine");
  expect(kind(table({ maintenance: { message: "back soon" } }), stream("/a"))).toBe("engine");
  // The health path still reaches the app, query or not.
  const healthy = table({ maintenance: { message: "m", healthPath: "/grpc.health.v1.Health/Check" } });
  expect(kind(healthy, stream("/grpc.health.v1.Health/Check?x=1"))).toBe("forward");
  expect(kind(table({ maxBodyBytes: 10 }), stream("/a", { "content-length": "11" }))).toBe("engine");
  expect(kind(table({ maxBodyBytes: 10 }), stream("/a", { "content-length": "10" }))).toBe("forward");
  expect(kind(table(), stream("/_pier/script.js"))).toBe("engine");
  expect(kind(table(), stream("/a"), true)).toBe("engine");
});

test("a sleeping h2c route holds the stream", () => {
  expect(
    kind(
      buildRouteTable([routeSpecSchema.parse({ id: "g", ...grpc, upstreams: [], sleeping: true })], 1),
      stream("/a"),
    ),
  ).toBe("hold");
});

test("dot segments are resolved before routing, as for an HTTP/1.1 target", () => {
  const mixed = buildRouteTable(
    [
      routeSpecSchema.parse({ id: "g", ...grpc, pathPrefix: "/svc" }),
      routeSpecSchema.parse({ id: "p", host: "g.test", upstreams: ["http://127.0.0.1:1"] }),
    ],
    1,
  );
  expect(kind(mixed, stream("/svc/demo.Greeter/SayHello"))).toBe("forward");
  // Routed as /admin, which the plain route serves through the engine.
  expect(kind(mixed, stream("/svc/../admin"))).toBe("engine");
  expect(kind(mixed, stream("/svc/%2E%2e/admin"))).toBe("engine");
  expect(kind(mixed, stream("/admin/../svc/x"))).toBe("forward");
  // The resolved path is what is forwarded.
  expect(admitH2c(mixed, false, stream("/admin/../svc/x"))).toMatchObject({
    kind: "forward",
    path: "/svc/x",
  });
  expect(kind(table({ maintenance: { message: "m", healthPath: "/h" } }), stream("/x/../h"))).toBe("forward");
});

test("h2cRoutePath resolves dot segments and keeps the query; a target the engine refuses is null", () => {
  expect(h2cRoutePath("/demo.Greeter/SayHello")).toBe("/demo.Greeter/SayHello");
  expect(h2cRoutePath("/svc/./a/../b?x=/../y")).toBe("/svc/b?x=/../y");
  expect(h2cRoutePath("/a b")).toBeNull();
});
