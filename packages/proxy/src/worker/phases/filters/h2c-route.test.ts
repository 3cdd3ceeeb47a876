import { expect, test } from "bun:test";
import { fakeSession } from "../../../testing/fake-session.ts";
import { refuseHttp1OnH2cRoute } from "./h2c-route.ts";

test("an HTTP/1.1 request on an h2c route gets a 502; on another route it goes on", () => {
  const h2c = [
    { id: "r1", host: "g.test", upstreams: ["http://127.0.0.1:50051"], upstreamProtocol: "h2c" as const },
  ];
  const s = fakeSession("POST /demo.Greeter/SayHello HTTP/1.1\nHost: g.test\n\n", { routes: h2c });
  expect(refuseHttp1OnH2cRoute(s)).toBe(true);
  expect(s.answered?.res.status).toBe(502);
  expect(s.answered?.res.body).toContain("HTTP/2 only");
  const plain = [{ id: "r1", host: "g.test", upstreams: ["http://127.0.0.1:3000"] }];
  expect(refuseHttp1OnH2cRoute(fakeSession("GET / HTTP/1.1\nHost: g.test\n\n", { routes: plain }))).toBe(
    false,
  );
});
