import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import type { AppRow, DeploymentRow, EnvironmentRow, Stores } from "@pier/db";
import type { PierContainer } from "../docker/replicas.ts";
import { appStatus } from "../http/presenters.ts";
import { splitTimestamp } from "./app-logs.ts";
import { DeployLogs } from "./deploy-log.ts";
import { type OperationDeps, rollback, rollbackCandidates } from "./operations.ts";
import { planContainers } from "./reconcile.ts";

const deployment = (
  id: string,
  status: DeploymentRow["status"],
  image: string | null,
  at: number,
): DeploymentRow => ({
  id,
  appId: "app_1",
  environmentId: "env_p",
  status,
  source: "git",
  branch: "main",
  commitSha: null,
  image,
  error: null,
  meta: {},
  createdAt: new Date(at),
  finishedAt: null,
});

test("rollback goes to the newest earlier release that went live with a different image", () => {
  const current = deployment("d5", "live", "img:3", 5);
  const history = [
    current,
    deployment("d4", "superseded", "img:3", 4), // an env restart of the same image
    deployment("d3", "failed", "img:x", 3),
    deployment("d2", "superseded", "img:2", 2),
    deployment("d1", "rolled_back", "img:1", 1),
  ];
  expect(rollbackCandidates(history, current).map((d) => d.id)).toEqual(["d2", "d1"]);
  expect(rollbackCandidates([current], current)).toEqual([]);
});

test("rollback --to a failed deployment names the releases it can go back to, and real commands", async () => {
  const history = [
    deployment("d4", "failed", "img:4", Date.UTC(2025, 0, 4)),
    deployment("d3", "live", "img:3", Date.UTC(2025, 0, 3)),
    deployment("d2", "superseded", "img:2", Date.UTC(2025, 0, 2, 10, 30)),
    deployment("d1", "rolled_back", "img:1", Date.UTC(2025, 0, 1)),
  ];
  const production = { id: "env_p", name: "production", currentDeploymentId: "d3" } as EnvironmentRow;
  // The database's answers only: rollback refuses before it would start anything.
  const stores = {
    environments: { findByName: async () => production },
    deployments: {
      findById: async (id: string) => history.find((d) => d.id === id),
      listForApp: async () => history,
    },
  } as unknown as Stores;
  const deps = { stores } as OperationDeps;
  const error = await rollback(deps, { id: "app_1", name: "shop" } as AppRow, "d4").catch((e) => e);
  expect(error.message).toBe(
    "d4 never went live. Releases shop can go back to, newest first: d2 (2025-01-02 10:30 UTC), d1 (2025-01-01 00:00 UTC). Run `pier rollback --app shop --to ID` with one of them, or without --to for the previous release; the app's page in the dashboard lists every deployment.",
  );
  expect(error.message).not.toContain("pier deployments");
  history.splice(2);
  expect((await rollback(deps, { id: "app_1", name: "shop" } as AppRow, "d4").catch((e) => e)).message).toBe(
    "d4 never went live, and shop has no earlier release to roll back to.",
  );
});

test("reconcile adopts running replicas of live releases and removes everything else", () => {
  const c = (
    id: string,
    deploymentId: string,
    state: string,
    upstream: string | null,
    oneOff: string | null = null,
  ): PierContainer => ({
    containerId: id,
    name: id,
    app: "web",
    env: "production",
    deploymentId,
    replica: 1,
    instance: "pier_x",
    image: "img",
    state,
    hostPort: upstream ? 1 : null,
    upstream,
    oneOff,
  });
  const plan = planContainers(
    [
      c("live", "d2", "running", "127.0.0.1:1"),
      c("crashed", "d2", "exited", null),
      c("interrupted", "d3", "running", "127.0.0.1:2"),
      c("old", "d1", "running", "127.0.0.1:3"),
      c("cron-running", "d2", "running", null, "cron"),
      c("release-ended", "d3", "exited", null, "release"),
    ],
    new Set(["d2"]),
  );
  expect(plan.adopt.map((x) => x.containerId)).toEqual(["live"]);
  // A running one-off finishes on its own (a pier handing over may still be waiting for it).
  expect(plan.remove.map((x) => x.containerId)).toEqual(["crashed", "interrupted", "old", "release-ended"]);
});

test("app status: deploying beats live, sleeping and crashed, which beat failed and new", () => {
  const serving = { current: true, serving: 2, sleeping: false };
  const none = { current: false, serving: 0, sleeping: false };
  expect(appStatus([deployment("a", "building", null, 1)], serving)).toBe("deploying");
  expect(appStatus([deployment("a", "failed", null, 1)], serving)).toBe("live");
  expect(appStatus([deployment("a", "live", null, 1)], { ...serving, serving: 0, sleeping: true })).toBe(
    "sleeping",
  );
  expect(appStatus([deployment("a", "live", null, 1)], { ...serving, serving: 0 })).toBe("crashed");
  expect(appStatus([deployment("a", "failed", null, 1)], none)).toBe("failed");
  expect(appStatus([], none)).toBe("new");
});

test("docker log timestamps are split off the line", () => {
  expect(splitTimestamp("2026-01-02T03:04:05.123456789Z hello world")).toEqual({
    ts: "2026-01-02T03:04:05.123456789Z",
    line: "hello world",
  });
  expect(splitTimestamp("no stamp")).toEqual({ ts: null, line: "no stamp" });
});

test("a deploy log is written to its file and replayed to late followers, then ends", () => {
  const logs = new DeployLogs(mkdtempSync(`${tmpdir()}/pier-logs-`));
  const log = logs.open("dep_1");
  log.line("first");
  const seen: string[] = [];
  let ended: unknown = null;
  log.follow({ line: (l) => seen.push(l), end: (r) => (ended = r) });
  log.line("second\nthird");
  logs.close("dep_1", { status: "live", error: null });
  expect(seen).toEqual(["first", "second", "third"]);
  expect(ended).toEqual({ status: "live", error: null });
  expect(readFileSync(logs.pathOf("dep_1"), "utf8")).toBe("first\nsecond\nthird\n");
  expect(logs.running("dep_1")).toBeUndefined();
});
