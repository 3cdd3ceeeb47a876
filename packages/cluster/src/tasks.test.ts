import { expect, test } from "bun:test";
import type { NodeFacts } from "./placement.ts";
import { currentTasks, parseReplicaId, placementError, replicaId, taskFacts, taskUpstream } from "./tasks.ts";

const raw = (slot: number, state: string, extra: Record<string, unknown> = {}) => ({
  ID: `t${slot}${state}`,
  ServiceID: "svc",
  Slot: slot,
  NodeID: "n1",
  DesiredState: "running",
  UpdatedAt: "2026-01-01T00:00:01Z",
  Status: {
    State: state,
    Message: state,
    PortStatus: { Ports: [{ PublishedPort: 30001, TargetPort: 3000 }] },
  },
  ...extra,
});

const node: NodeFacts = {
  id: "n1",
  hostname: "a",
  role: "worker",
  availability: "active",
  state: "ready",
  arch: "x86_64",
  os: "linux",
  addr: "10.0.0.2",
  labels: {},
  engineLabels: {},
};

test("the newest task Swarm wants running stands for its slot", () => {
  const tasks = [
    taskFacts(raw(1, "failed", { DesiredState: "shutdown", UpdatedAt: "2026-01-01T00:00:05Z" })),
    taskFacts(raw(1, "running", { UpdatedAt: "2026-01-01T00:00:03Z" })),
    taskFacts(raw(2, "preparing")),
  ];
  const current = currentTasks(tasks);
  expect(current.get(1)?.state).toBe("running");
  expect(current.get(2)?.state).toBe("preparing");
});

test("a running task is reached at its node's address and published port; host networking at pier's port", () => {
  const nodes = new Map([["n1", node]]);
  const task = taskFacts(raw(1, "running"));
  expect(taskUpstream(task, nodes, null)).toBe("10.0.0.2:30001");
  expect(taskUpstream(task, nodes, 24000)).toBe("10.0.0.2:24000");
  expect(taskUpstream(taskFacts(raw(1, "starting")), nodes, null)).toBeNull();
  // A node that went down still lists its tasks as running for a while: not routable.
  expect(taskUpstream(task, new Map([["n1", { ...node, state: "down" }]]), null)).toBeNull();
  expect(taskUpstream(task, new Map(), null)).toBeNull();
});

test("Swarm's refusal to place a task is found in its pending tasks", () => {
  expect(
    placementError([
      taskFacts(
        raw(1, "pending", {
          Status: {
            State: "pending",
            Err: "no suitable node (scheduling constraints not satisfied on 4 nodes)",
          },
        }),
      ),
    ]),
  ).toContain("scheduling constraints");
  expect(placementError([taskFacts(raw(1, "pending"))])).toBeNull();
});

test("replica ids name the service and the slot", () => {
  expect(replicaId("pier-shop-production-dep_x", 2)).toBe("swarm:pier-shop-production-dep_x:2");
  expect(parseReplicaId("swarm:pier-shop-production-dep_x:2")).toEqual({
    service: "pier-shop-production-dep_x",
    slot: 2,
  });
  expect(parseReplicaId("0123abcd")).toBeNull();
});
