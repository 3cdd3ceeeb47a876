import { expect, test } from "bun:test";
import { type DeploymentSummary, renderDeploymentsTable } from "./deployments.ts";

const base: DeploymentSummary = {
  id: "dep_a",
  status: "live",
  source: "git",
  environment: "production",
  commitSha: "0123456789abcdef",
  commitMessage: "Fix the cart total\n\nLonger body",
  image: "pier/shop:dep_a",
  trigger: null,
  basedOn: null,
  createdAt: "2026-01-01T12:00:00.000Z",
};

test("the deployments table shows id, env, status, short commit, age and what was shipped", () => {
  const now = Date.parse("2026-01-01T12:05:00.000Z");
  const table = renderDeploymentsTable(
    [
      base,
      {
        ...base,
        id: "dep_rollback1",
        status: "superseded",
        trigger: "rollback",
        basedOn: "dep_x",
        commitSha: null,
      },
      {
        ...base,
        id: "dep_img",
        status: "failed",
        source: "image",
        environment: null,
        commitSha: null,
        commitMessage: null,
        image: "nginx:1",
        createdAt: "2025-12-30T12:05:00.000Z",
      },
    ],
    now,
  );
  expect(table.split("\n")).toEqual([
    "ID             ENV         STATUS      COMMIT   AGE     SUBJECT",
    "dep_a          production  live        0123456  5m ago  Fix the cart total",
    "dep_rollback1  production  superseded  -        5m ago  rollback of dep_x",
    "dep_img        (removed)   failed      -        2d ago  image nginx:1",
  ]);
});
