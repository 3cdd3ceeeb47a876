import type { NodeFacts } from "./placement.ts";

/**
 * Swarm tasks as pier reads them: which task serves each slot of a release's service, and where
 * the proxy reaches it (`<node address>:<published port>`). Pure.
 */
export interface TaskFacts {
  id: string;
  serviceId: string;
  slot: number;
  nodeId: string | null;
  desiredState: string;
  /** new, pending, assigned, accepted, preparing, starting, running, complete, failed, rejected, shutdown, orphaned… */
  state: string;
  message: string;
  err: string | null;
  /** The host port Swarm published for the container port (host mode), when it runs. */
  publishedPort: number | null;
  exitCode: number | null;
  updatedAt: string;
}

interface RawTask {
  ID?: string;
  ServiceID?: string;
  Slot?: number;
  NodeID?: string;
  DesiredState?: string;
  UpdatedAt?: string;
  Status?: {
    State?: string;
    Message?: string;
    Err?: string;
    ContainerStatus?: { ExitCode?: number };
    PortStatus?: { Ports?: { PublishedPort?: number; TargetPort?: number }[] };
  };
}

export function taskFacts(raw: unknown): TaskFacts {
  const task = raw as RawTask;
  const exit = task.Status?.ContainerStatus?.ExitCode;
  return {
    id: task.ID ?? "",
    serviceId: task.ServiceID ?? "",
    slot: task.Slot ?? 0,
    nodeId: task.NodeID || null,
    desiredState: task.DesiredState ?? "",
    state: task.Status?.State ?? "",
    message: task.Status?.Message ?? "",
    err: task.Status?.Err || null,
    publishedPort: task.Status?.PortStatus?.Ports?.[0]?.PublishedPort ?? null,
    exitCode: typeof exit === "number" ? exit : null,
    updatedAt: task.UpdatedAt ?? "",
  };
}

const endedStates = new Set(["complete", "failed", "rejected", "shutdown", "orphaned", "remove"]);

export function taskEnded(task: TaskFacts): boolean {
  return endedStates.has(task.state);
}

/**
 * The task that stands for each slot now: the newest one Swarm wants running (a slot's history
 * keeps its failed and shut-down predecessors).
 */
export function currentTasks(tasks: TaskFacts[]): Map<number, TaskFacts> {
  const bySlot = new Map<number, TaskFacts>();
  for (const task of tasks) {
    if (task.desiredState !== "running") continue;
    const seen = bySlot.get(task.slot);
    if (!seen || task.updatedAt > seen.updatedAt) bySlot.set(task.slot, task);
  }
  return bySlot;
}

/**
 * Where the proxy reaches a running task: its node's address and the port Swarm published for it,
 * or, for host-network tasks, the port the app was told to listen on. Null while not running or
 * when its node is not ready (a node that went down still lists its tasks as running for a while).
 */
export function taskUpstream(
  task: TaskFacts,
  nodes: Map<string, NodeFacts>,
  hostNetworkPort: number | null,
): string | null {
  if (task.state !== "running" || !task.nodeId) return null;
  const node = nodes.get(task.nodeId);
  if (node?.state !== "ready" || !node.addr) return null;
  const port = hostNetworkPort ?? task.publishedPort;
  return port ? `${node.addr}:${port}` : null;
}

/** Failed starts of one slot in a row (its history), for "the container keeps exiting". */
export function failedStarts(tasks: TaskFacts[], slot: number): TaskFacts[] {
  return tasks
    .filter((t) => t.slot === slot && (t.state === "failed" || t.state === "rejected"))
    .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
}

/**
 * Why a slot has no running task yet, when Swarm says it cannot place it ("no suitable node
 * (scheduling constraints not satisfied on 4 nodes)"), else null.
 */
export function placementError(tasks: TaskFacts[]): string | null {
  for (const task of tasks) {
    if (task.state === "pending" && task.err && /no suitable node/i.test(task.err)) return task.err;
  }
  return null;
}

/** `swarm:<service name>:<slot>`: what the deploy engine keeps as a replica's container id. */
export function replicaId(serviceName: string, slot: number): string {
  return `swarm:${serviceName}:${slot}`;
}

export function parseReplicaId(id: string): { service: string; slot: number } | null {
  const match = /^swarm:([A-Za-z0-9._-]+):(\d+)$/.exec(id);
  return match ? { service: match[1]!, slot: Number(match[2]) } : null;
}
