import type Docker from "dockerode";
import { NodeNotFoundError } from "../errors.ts";
import type { NodeFacts } from "../placement.ts";

interface RawNode {
  ID?: string;
  Version?: { Index?: number };
  Spec?: { Role?: string; Availability?: string; Labels?: Record<string, string>; Name?: string };
  Description?: {
    Hostname?: string;
    Platform?: { Architecture?: string; OS?: string };
    Resources?: { NanoCPUs?: number; MemoryBytes?: number };
    Engine?: { EngineVersion?: string; Labels?: Record<string, string> };
  };
  Status?: { State?: string; Addr?: string; Message?: string };
  ManagerStatus?: { Leader?: boolean; Reachability?: string; Addr?: string };
}

/** A node as the API and the dashboard show it. */
export interface NodeDetails extends NodeFacts {
  leader: boolean;
  /** Manager reachability (reachable, unreachable); null for workers. */
  reachability: string | null;
  cpus: number;
  memoryBytes: number;
  engineVersion: string;
  /** Swarm's own message about the node's state ("heartbeat failure"…), when it has one. */
  message: string | null;
  version: number;
}

/** Pure: the Engine's node JSON in pier's terms. */
export function nodeDetails(raw: unknown): NodeDetails {
  const node = raw as RawNode;
  const role = node.Spec?.Role === "manager" ? "manager" : "worker";
  const availability = (["active", "pause", "drain"] as const).find((a) => a === node.Spec?.Availability);
  // A manager reports 0.0.0.0 in Status.Addr on some versions; its manager address is right.
  const statusAddr = node.Status?.Addr ?? "";
  const managerAddr = node.ManagerStatus?.Addr?.replace(/:\d+$/, "") ?? "";
  return {
    id: node.ID ?? "",
    hostname: node.Description?.Hostname ?? node.ID ?? "",
    role,
    availability: availability ?? "active",
    state: node.Status?.State ?? "unknown",
    arch: node.Description?.Platform?.Architecture ?? "unknown",
    os: (node.Description?.Platform?.OS ?? "linux").toLowerCase(),
    addr: statusAddr && statusAddr !== "0.0.0.0" ? statusAddr : managerAddr,
    labels: node.Spec?.Labels ?? {},
    engineLabels: node.Description?.Engine?.Labels ?? {},
    leader: node.ManagerStatus?.Leader ?? false,
    reachability: node.ManagerStatus?.Reachability ?? null,
    cpus: (node.Description?.Resources?.NanoCPUs ?? 0) / 1e9,
    memoryBytes: node.Description?.Resources?.MemoryBytes ?? 0,
    engineVersion: node.Description?.Engine?.EngineVersion ?? "",
    message: node.Status?.Message || null,
    version: node.Version?.Index ?? 0,
  };
}

export async function listNodes(docker: Docker): Promise<NodeDetails[]> {
  const nodes = (await docker.listNodes()).map(nodeDetails);
  return nodes.sort((a, b) => a.hostname.localeCompare(b.hostname) || a.id.localeCompare(b.id));
}

/** A node by id, id prefix or host name (what users type). */
export async function findNode(docker: Docker, ref: string): Promise<NodeDetails> {
  const nodes = await listNodes(docker);
  const exact = nodes.find((n) => n.id === ref || n.hostname === ref);
  if (exact) return exact;
  const byPrefix = ref.length >= 4 ? nodes.filter((n) => n.id.startsWith(ref)) : [];
  if (byPrefix.length === 1) return byPrefix[0]!;
  throw new NodeNotFoundError(
    ref,
    nodes.map((n) => n.hostname),
  );
}

/** Changes a node's labels and availability with Swarm's optimistic version check. */
export async function updateNode(
  docker: Docker,
  id: string,
  change: { labels?: Record<string, string | null>; availability?: "active" | "pause" | "drain" },
): Promise<NodeDetails> {
  const node = docker.getNode(id);
  const current = (await node.inspect()) as RawNode;
  const spec = current.Spec ?? {};
  const labels = { ...(spec.Labels ?? {}) };
  for (const [key, value] of Object.entries(change.labels ?? {})) {
    if (value === null) delete labels[key];
    else labels[key] = value;
  }
  await node.update({
    version: current.Version?.Index ?? 0,
    ...spec,
    Labels: labels,
    Availability: change.availability ?? spec.Availability ?? "active",
  });
  return nodeDetails(await node.inspect());
}

export async function removeNode(docker: Docker, id: string, force: boolean): Promise<void> {
  await docker.getNode(id).remove({ force });
}
