import { describe, expect, test } from "bun:test";
import type { DeploymentRow, EnvironmentRow } from "@pier/db";
import { openApiDocument } from "@pier/http";
import { mergeMetricRows } from "../engine/metrics.ts";
import { servedEnvironment } from "../engine/serving.ts";
import { deploymentView, deployRoutes, environmentView, metricPointView } from "./contract.ts";
import { environmentsById, presentDeployment, presentEnvironment } from "./presenters.ts";

const production: EnvironmentRow = {
  id: "env_p",
  appId: "app_1",
  name: "production",
  kind: "production",
  branch: "main",
  host: null,
  currentDeploymentId: "dep_2",
  sleepingSince: null,
  createdAt: new Date(Date.UTC(2026, 0, 1)),
};

const deployment = (overrides: Partial<DeploymentRow> = {}): DeploymentRow => ({
  id: "dep_2",
  appId: "app_1",
  environmentId: "env_p",
  status: "live",
  source: "rollback",
  branch: "main",
  commitSha: "abc123",
  image: "pier/web:dep_1",
  error: null,
  meta: {
    kind: "image",
    url: "http://web.localhost",
    logTail: ["built"],
    replicas: [{}, {}],
    trigger: "rollback",
    basedOn: "dep_1",
  },
  createdAt: new Date(Date.UTC(2026, 0, 2)),
  finishedAt: new Date(Date.UTC(2026, 0, 2, 0, 1)),
  ...overrides,
});

describe("the deploy contract describes what the presenters answer", () => {
  test("deployments, with and without release metadata or environment", () => {
    const byId = environmentsById([production]);
    const full = deploymentView.parse(presentDeployment(deployment(), byId));
    expect(full).toMatchObject({
      environment: "production",
      replicas: 2,
      trigger: "rollback",
      createdAt: "2026-01-02T00:00:00.000Z",
    });
    const bare = deploymentView.parse(
      presentDeployment(
        deployment({ meta: {}, environmentId: null, finishedAt: null, status: "queued" }),
        byId,
      ),
    );
    expect(bare).toMatchObject({ environment: null, kind: null, replicas: 0, logTail: [], finishedAt: null });
  });

  test("environments: served, deployed but not served, and new", () => {
    const served = servedEnvironment({ id: "app_1", name: "web" }, production, "dep_2", [
      { containerId: "c1", upstream: "127.0.0.1:4001" },
    ]);
    const live = environmentView.parse(presentEnvironment(production, served, deployment(), "http://x"));
    expect(live).toMatchObject({ status: "live", replicas: 1, createdAt: "2026-01-01T00:00:00.000Z" });
    const failed = deployment({ status: "failed" });
    expect(environmentView.parse(presentEnvironment(production, undefined, failed, null)).status).toBe(
      "failed",
    );
    expect(environmentView.parse(presentEnvironment(production, undefined, undefined, null)).status).toBe(
      "new",
    );
  });

  test("metric points", () => {
    const row = {
      minute: new Date(Date.UTC(2026, 0, 1, 10, 0)),
      requests: 3,
      status2xx: 3,
      status3xx: 0,
      status4xx: 0,
      status5xx: 0,
      p50Ms: 1.4,
      p95Ms: 2.6,
      p99Ms: 3,
      bytesIn: 10,
      bytesOut: 20,
    };
    for (const point of mergeMetricRows([row, row])) expect(metricPointView.parse(point)).toEqual(point);
  });
});

describe("query parameters are read as leniently as before the contract", () => {
  const limit = deployRoutes.listDeployments.query;
  const tail = deployRoutes.appLogs.query;
  test.each([
    [undefined, 50],
    ["10", 10],
    ["abc", 50],
    ["0", 50],
    ["-5", 1],
    ["1e309", 200],
  ])("limit=%p is %p", (raw, expected) => {
    expect(limit.parse(raw === undefined ? {} : { limit: raw }).limit).toBe(expected);
  });
  test("environment: absent is every environment; a name that cannot be one is refused", () => {
    expect(limit.parse({}).environment).toBe("");
    expect(limit.parse({ environment: "preview-x" }).environment).toBe("preview-x");
    expect(limit.safeParse({ environment: "Bad_Name" }).success).toBe(false);
  });
  test("tail: absent is 200, unreadable is 0, at most 5000", () => {
    expect(tail.parse({}).tail).toBe(200);
    expect(tail.parse({ tail: "abc" }).tail).toBe(0);
    expect(tail.parse({ tail: "99999" }).tail).toBe(5000);
  });
});

test("the OpenAPI document names every deploy route with its scope, uploads as archives", () => {
  const doc = openApiDocument([deployRoutes], { title: "t", version: "0" }) as {
    paths: Record<string, Record<string, Record<string, unknown>>>;
  };
  expect(Object.values(doc.paths).flatMap((p) => Object.keys(p))).toHaveLength(
    Object.keys(deployRoutes).length,
  );
  const upload = doc.paths["/api/v1/apps/{name}/deploy"]!.post!;
  expect(upload["x-pier-scope"]).toBe("deploy");
  expect(upload.requestBody).toEqual({ required: true, content: { "application/gzip": {} } });
  expect(doc.paths["/api/v1/apps/{name}/logs"]!.get!.responses).toMatchObject({
    200: { content: { "text/event-stream": {} } },
  });
});
