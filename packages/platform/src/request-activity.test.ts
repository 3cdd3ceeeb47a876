import { expect, test } from "bun:test";
import { EDGE_SECRET_HEADER as consoleReads } from "@pier/http";
import { EDGE_SECRET_HEADER as workersWrite } from "@pier/proxy/edge";
import { RequestActivity } from "./request-activity.ts";

test("route activity: the latest request to a route, or to any route under an id prefix", () => {
  const activity = new RequestActivity();
  activity.touchRoute("deploy:env_a:shop.test", 100);
  activity.touchRoute("deploy:env_a:www.shop.test", 300);
  activity.touchRoute("deploy:env_b:preview.shop.test", 500);
  activity.touchRoute("deploy:env_a:shop.test", 50);
  expect(activity.lastRouteRequestAt("deploy:env_a:shop.test")).toBe(100);
  expect(activity.lastRouteRequestAt("deploy:env_a:")).toBe(300);
  expect(activity.lastRouteRequestAt("deploy:env_c:")).toBeUndefined();
});

test("the proxy workers write the edge secret under the header the console reads it from", () => {
  expect(workersWrite).toBe(consoleReads);
});
