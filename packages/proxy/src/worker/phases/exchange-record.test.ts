import { expect, test } from "bun:test";
import { routeSpecSchema } from "../../shared/route-spec.ts";
import { compileRoute } from "../../shared/route-table.ts";
import { createFrontState, type FrontState } from "../front-state.ts";
import { recordExchange } from "./exchange-record.ts";

function recordingState() {
  const records: Parameters<FrontState["record"]>[] = [];
  const state = createFrontState({
    table: { version: 1, exact: new Map(), wildcard: new Map(), size: 0 },
    acme: new Map(),
    internal: null,
    httpsPort: null,
    httpPort: 80,
    requestIdPrefix: "t-0-",
    record: (...fields) => {
      records.push(fields);
    },
    beacon: null,
  });
  return { state, records };
}

test("one positional record per exchange with the route's id and app, and the time since the request came", () => {
  const { state, records } = recordingState();
  const route = compileRoute(
    routeSpecSchema.parse({ id: "r1", host: "a.test", appId: "app_1", upstreams: ["http://127.0.0.1:3001"] }),
  );
  const started = performance.now() - 5;
  recordExchange(state, "a.test", route, 200, started, 80, 1200, "http://127.0.0.1:3001");
  expect(records.length).toBe(1);
  const [host, routeId, appId, status, start, duration, bytesIn, bytesOut, upstream] = records[0]!;
  expect([host, routeId, appId, status, start, bytesIn, bytesOut, upstream]).toEqual([
    "a.test",
    "r1",
    "app_1",
    200,
    started,
    80,
    1200,
    "http://127.0.0.1:3001",
  ]);
  expect(duration).toBeGreaterThanOrEqual(5);
});

test("answers without a route (unknown host) are recorded with null route and app", () => {
  const { state, records } = recordingState();
  recordExchange(state, "nobody.test", null, 404, performance.now(), 40, 900, null);
  expect(records[0]!.slice(0, 4)).toEqual(["nobody.test", null, null, 404]);
});
