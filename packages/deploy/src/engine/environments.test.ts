import { expect, test } from "bun:test";
import { previewOwnerConflict, targetEnvironment } from "./environments.ts";
import { appRoutes } from "./serving.ts";

const app = { name: "shop", defaultBranch: "main" };

test("default branch is production, other branches are previews on BRANCH--APP.BASE", () => {
  expect(targetEnvironment(app, "main", "pier.test")).toEqual({
    name: "production",
    kind: "production",
    branch: "main",
    host: "shop.pier.test",
  });
  expect(targetEnvironment(app, null, "pier.test").kind).toBe("production");
  expect(targetEnvironment(app, "feature/New-Cart", "pier.test")).toEqual({
    name: "feature-new-cart",
    kind: "preview",
    branch: "feature/New-Cart",
    host: "feature-new-cart--shop.pier.test",
  });
  expect(targetEnvironment(app, "production", "pier.test").name).toBe("production-preview");
});

test("a preview belongs to the branch that created it: another branch with its slug is refused", () => {
  const slash = targetEnvironment(app, "feat/x", "pier.test");
  const dash = targetEnvironment(app, "feat-x", "pier.test");
  expect(dash.name).toBe(slash.name);
  const row = { kind: "preview", branch: "feat/x", host: "feat-x--shop.pier.test" };
  expect(previewOwnerConflict(row, slash)).toBeNull();
  const refusal = previewOwnerConflict(row, dash);
  expect(refusal).toContain("feat-x--shop.pier.test belongs to branch feat/x");
  expect(refusal).toContain("git push <remote> :feat/x");
  // Production follows the default branch wherever it points; only previews have an owner.
  const production = { kind: "production", branch: "master", host: null };
  expect(previewOwnerConflict(production, targetEnvironment(app, "main", "pier.test"))).toBeNull();
});

test("routes: production gets the app host and its domains, previews their host, empty ones none", () => {
  const base = { app: "shop", appId: "app_1", deploymentId: "dep_1", replicas: [] };
  const routes = appRoutes(
    [
      {
        ...base,
        env: "production",
        environmentId: "env_p",
        kind: "production",
        host: null,
        upstreams: ["127.0.0.1:4001", "127.0.0.1:4002"],
      },
      {
        ...base,
        env: "pr-1",
        environmentId: "env_1",
        kind: "preview",
        host: "pr-1--shop.pier.test",
        upstreams: ["127.0.0.1:4003"],
      },
      {
        ...base,
        env: "pr-2",
        environmentId: "env_2",
        kind: "preview",
        host: "pr-2--shop.pier.test",
        upstreams: [],
      },
    ],
    new Map([["app_1", ["shop.example.com", "SHOP.pier.test"]]]),
    "pier.test",
  );
  expect(routes.map((r) => r.host).sort()).toEqual([
    "pr-1--shop.pier.test",
    "shop.example.com",
    "shop.pier.test",
  ]);
  const prod = routes.find((r) => r.host === "shop.pier.test")!;
  expect(prod.upstreams).toEqual(["http://127.0.0.1:4001", "http://127.0.0.1:4002"]);
  expect(prod.appId).toBe("app_1");
});

test("routes: a release with upstream_protocol h2c gets h2c routes; others say nothing", () => {
  const base = {
    app: "rpc",
    appId: "app_2",
    deploymentId: "dep_2",
    replicas: [],
    kind: "production" as const,
  };
  const [h2c] = appRoutes(
    [
      {
        ...base,
        env: "production",
        environmentId: "env_p",
        host: null,
        upstreams: ["127.0.0.1:50051"],
        upstreamProtocol: "h2c",
      },
    ],
    new Map(),
    "pier.test",
  );
  expect(h2c?.upstreamProtocol).toBe("h2c");
  const [plain] = appRoutes(
    [
      {
        ...base,
        env: "production",
        environmentId: "env_p",
        host: null,
        upstreams: ["127.0.0.1:3000"],
        upstreamProtocol: "http1",
      },
    ],
    new Map(),
    "pier.test",
  );
  expect(plain && "upstreamProtocol" in plain).toBe(false);
});
