import { expect, test } from "bun:test";
import { fakeSession } from "../../../testing/fake-session.ts";
import { holdOnSleepingRoute } from "./sleeping-route.ts";

test("a request on a sleeping route is held; one on an awake route goes on", () => {
  const sleeping = [{ id: "deploy:env_1:a.test", host: "a.test", upstreams: [], sleeping: true }];
  const s = fakeSession("GET / HTTP/1.1\nHost: a.test\n\n", { routes: sleeping });
  expect(holdOnSleepingRoute(s)).toBe(true);
  expect(s.outcome).toBe("held");
  const awake = [{ id: "deploy:env_1:a.test", host: "a.test", upstreams: ["http://127.0.0.1:3001"] }];
  expect(holdOnSleepingRoute(fakeSession("GET / HTTP/1.1\nHost: a.test\n\n", { routes: awake }))).toBe(false);
});
