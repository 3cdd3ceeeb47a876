import { networkInterfaces } from "node:os";
import type Docker from "dockerode";
import { SwarmStateError } from "../errors.ts";

/** The swarm control port: what join commands name and nodes must reach on managers. */
export const swarmPort = 2377;

export interface LocalSwarm {
  /** inactive, pending, active, error, locked */
  state: string;
  nodeId: string | null;
  /** Whether this Engine is a manager (it can change the swarm). */
  manager: boolean;
  /** The address this node advertises to the others. */
  nodeAddr: string | null;
  managers: string[];
}

interface RawInfo {
  Swarm?: {
    LocalNodeState?: string;
    NodeID?: string;
    NodeAddr?: string;
    ControlAvailable?: boolean;
    RemoteManagers?: { NodeID?: string; Addr?: string }[] | null;
  };
}

export function localSwarmOf(info: unknown): LocalSwarm {
  const swarm = (info as RawInfo).Swarm ?? {};
  return {
    state: swarm.LocalNodeState || "inactive",
    nodeId: swarm.NodeID || null,
    manager: swarm.ControlAvailable === true,
    nodeAddr: swarm.NodeAddr || null,
    managers: (swarm.RemoteManagers ?? []).map((m) => m.Addr ?? "").filter(Boolean),
  };
}

export async function localSwarm(docker: Docker): Promise<LocalSwarm> {
  return localSwarmOf(await docker.info());
}

/**
 * The address to advertise when none is given: the local IPv4 address on the same subnet as
 * `peer` (a manager being joined), or the only non-loopback IPv4 address. Docker picks the
 * address of the default route's interface itself, and fails without one; null leaves it to Docker.
 */
export function chooseAdvertiseAddress(
  interfaces: Record<
    string,
    { address: string; netmask: string; family: string | number; internal: boolean }[] | undefined
  >,
  peer?: string,
): string | null {
  const candidates = Object.values(interfaces)
    .flatMap((list) => list ?? [])
    .filter((i) => (i.family === "IPv4" || i.family === 4) && !i.internal);
  const peerAddr = peer ? ipv4ToNumber(peer.replace(/:\d+$/, "")) : null;
  if (peerAddr !== null) {
    const same = candidates.find((i) => {
      const addr = ipv4ToNumber(i.address);
      const mask = ipv4ToNumber(i.netmask);
      return addr !== null && mask !== null && (addr & mask) === (peerAddr & mask);
    });
    if (same) return same.address;
  }
  return candidates.length === 1 ? candidates[0]!.address : null;
}

function ipv4ToNumber(text: string): number | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    const n = Number(part);
    if (!/^\d+$/.test(part) || n > 255) return null;
    value = (value << 8) | n;
  }
  return value;
}

/**
 * Makes this Engine a swarm manager, or adopts the swarm it already manages. Task history is kept
 * short (pier keeps its own), and heartbeats come every 2 s instead of 5 s so a lost node is
 * declared down, and its replicas rescheduled, sooner.
 */
export async function initOrAdopt(
  docker: Docker,
  options: { advertiseAddr?: string },
): Promise<{ nodeId: string; advertiseAddr: string; adopted: boolean }> {
  const before = await localSwarm(docker);
  if (before.state === "active") {
    if (!before.manager)
      throw new SwarmStateError(
        "This Docker Engine is a worker of a swarm: run pier cluster init on a manager, or `docker swarm leave` here first.",
      );
    return { nodeId: before.nodeId!, advertiseAddr: before.nodeAddr ?? "", adopted: true };
  }
  if (before.state !== "inactive")
    throw new SwarmStateError(
      `This Docker Engine's swarm state is "${before.state}": fix it (docker info) before pier cluster init.`,
    );
  const advertiseAddr = options.advertiseAddr ?? chooseAdvertiseAddress(networkInterfaces()) ?? undefined;
  try {
    await docker.swarmInit({
      ListenAddr: `0.0.0.0:${swarmPort}`,
      ...(advertiseAddr ? { AdvertiseAddr: advertiseAddr } : {}),
      Spec: {
        Orchestration: { TaskHistoryRetentionLimit: 5 },
        Dispatcher: { HeartbeatPeriod: 2_000_000_000 },
      },
    });
  } catch (error) {
    const message = (error as { json?: { message?: string } }).json?.message ?? (error as Error).message;
    throw new SwarmStateError(
      /advertise/i.test(message)
        ? `Docker cannot tell which address to advertise (${message}): pass --advertise-addr ADDRESS.`
        : `docker swarm init failed: ${message}`,
    );
  }
  const after = await localSwarm(docker);
  return { nodeId: after.nodeId!, advertiseAddr: after.nodeAddr ?? advertiseAddr ?? "", adopted: false };
}

export async function joinTokens(docker: Docker): Promise<{ worker: string; manager: string }> {
  const swarm = (await docker.swarmInspect()) as { JoinTokens?: { Worker?: string; Manager?: string } };
  return { worker: swarm.JoinTokens?.Worker ?? "", manager: swarm.JoinTokens?.Manager ?? "" };
}

/** Joins this Engine to a swarm (run on the new machine by `pier cluster join`). */
export async function joinSwarm(
  docker: Docker,
  options: { manager: string; token: string; advertiseAddr?: string },
): Promise<{ nodeId: string; alreadyMember: boolean }> {
  const before = await localSwarm(docker);
  if (before.state === "active") return { nodeId: before.nodeId!, alreadyMember: true };
  const remote = /:\d+$/.test(options.manager) ? options.manager : `${options.manager}:${swarmPort}`;
  const advertiseAddr =
    options.advertiseAddr ?? chooseAdvertiseAddress(networkInterfaces(), remote) ?? undefined;
  try {
    await docker.swarmJoin({
      ListenAddr: `0.0.0.0:${swarmPort}`,
      ...(advertiseAddr ? { AdvertiseAddr: advertiseAddr } : {}),
      RemoteAddrs: [remote],
      JoinToken: options.token,
    });
  } catch (error) {
    const message = (error as { json?: { message?: string } }).json?.message ?? (error as Error).message;
    throw new SwarmStateError(`docker swarm join ${remote} failed: ${message}`);
  }
  const after = await localSwarm(docker);
  return { nodeId: after.nodeId ?? "", alreadyMember: false };
}
