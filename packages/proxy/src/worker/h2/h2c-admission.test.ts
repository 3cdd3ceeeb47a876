import { expect, test } from "bun:test";
import { routeSpecSchema } from "../../shared/route-spec.ts";
import { buildRouteTable } from "../../shared/route-table.ts";
import { admitH2c } from "./h2c-admission.ts";

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
