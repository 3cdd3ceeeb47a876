import { labelKeys } from "@pier/deploy";
import type { ClusterReplicaSpec } from "@pier/platform";
import { swarmPlacement } from "./placement.ts";

/** Labels on the services pier creates (and their containers): never `pier.app`, which the local
 * engine's adoption and sweeps own, so a manager's own tasks are not mistaken for local replicas. */
export const serviceLabels = {
  instance: "pier.cluster.instance",
  role: "pier.cluster.role",
  app: "pier.cluster.app",
  env: "pier.cluster.env",
  deployment: "pier.cluster.deployment",
  port: "pier.cluster.port",
  /** On host-network services: the port pier told the app to listen on. */
  hostPort: "pier.cluster.host-port",
  healthPath: "pier.cluster.health-path",
} as const;

/**
 * One Swarm service per release: `pier-<app>-<env>-<deployment>`, at most 63 characters of
 * letters, digits and dashes (Swarm's rule), the deployment id kept whole so it stays unique.
 */
export function serviceName(app: string, env: string, deploymentId: string): string {
  const clean = (s: string, max: number) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, max);
  return `pier-${clean(app, 18)}-${clean(env, 12)}-${clean(deploymentId, 24)}`.replace(/-+/g, "-");
}

export interface ReleaseServiceInput {
  spec: ClusterReplicaSpec;
  name: string;
  instance: string;
  /** The platforms the image has variants for: the service is restricted to their nodes. */
  platforms: string[];
  /** Host networking (nodes that cannot give containers a namespace): the app listens on this port. */
  hostNetwork: { networkId: string; port: number } | null;
  replicas: number;
  /** The Engine's Swarm API takes no-new-privileges for tasks (API 1.44, Docker 25). */
  noNewPrivileges?: boolean;
}

/**
 * The service of a release. Swarm's own updates and rollbacks are not used: pier creates one
 * service per release and switches traffic between them itself (health check, route swap
 * acknowledged by every proxy worker, drain), as on one machine. Ports are published in host mode
 * without a fixed port, so every task gets a free port on its node and the proxy dials
 * `<node>:<port>`: Swarm's ingress mesh and virtual IPs need IPVS, which not every kernel has,
 * and DNS round robin (`dnsrr`) needs neither.
 */
export function releaseServiceSpec(input: ReleaseServiceInput): Record<string, unknown> {
  const { spec, hostNetwork } = input;
  const port = hostNetwork ? hostNetwork.port : spec.port;
  const env = { ...spec.envVars, PORT: String(port), HOST: "0.0.0.0" };
  const labels: Record<string, string> = {
    [serviceLabels.instance]: input.instance,
    [serviceLabels.role]: "release",
    [serviceLabels.app]: spec.app,
    [serviceLabels.env]: spec.env,
    [serviceLabels.deployment]: spec.deploymentId,
    [serviceLabels.port]: String(port),
  };
  if (hostNetwork) labels[serviceLabels.hostPort] = String(hostNetwork.port);
  if (spec.healthPath) labels[serviceLabels.healthPath] = spec.healthPath;
  const mounts: Record<string, unknown>[] = [];
  if (spec.readOnly)
    mounts.push({ Type: "tmpfs", Target: "/tmp", TmpfsOptions: { SizeBytes: 64 * 1024 * 1024 } });
  const limits: Record<string, number> = {};
  if (spec.memoryBytes) limits.MemoryBytes = spec.memoryBytes;
  if (spec.cpus) limits.NanoCPUs = Math.round(spec.cpus * 1e9);
  if (spec.pidsLimit) limits.Pids = spec.pidsLimit;
  const reservations: Record<string, number> = {};
  // A replica capped at N bytes is placed only where N bytes are free: Swarm then spreads by memory too.
  if (spec.memoryBytes) reservations.MemoryBytes = Math.min(spec.memoryBytes, 64 * 1024 * 1024);
  return {
    Name: input.name,
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: spec.image,
        Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
        // The image pier built carries pier.app and pier.instance: a task container on the manager
        // would look like a local replica to the deploy engine's adoption and sweeps, which look
        // for this Engine's instance id. "swarm" is never one.
        Labels: { ...labels, [labelKeys.instance]: "swarm" },
        ...(spec.user ? { User: spec.user } : {}),
        ReadOnly: spec.readOnly ?? false,
        ...(input.noNewPrivileges ? { Privileges: { NoNewPrivileges: true } } : {}),
        // An init as PID 1 forwards SIGTERM to the app; a bare app as PID 1 would ignore it.
        Init: true,
        StopSignal: "SIGTERM",
        StopGracePeriod: Math.max(1, spec.stopGraceMs ?? 10_000) * 1_000_000,
        ...(mounts.length ? { Mounts: mounts } : {}),
      },
      Resources: { Limits: limits, Reservations: reservations },
      // A crashed process comes back on its node; a lost node's tasks are started elsewhere.
      RestartPolicy: { Condition: "any", Delay: 1_000_000_000, MaxAttempts: 0 },
      Placement: {
        ...swarmPlacement({
          placement: spec.placement ?? [],
          spread: spec.spread ?? "node",
          platforms: input.platforms,
        }),
        // Host-network tasks of one release share a port: two on one node would collide.
        ...(hostNetwork ? { MaxReplicas: 1 } : {}),
      },
      ...(hostNetwork ? { Networks: [{ Target: hostNetwork.networkId }] } : {}),
      LogDriver: { Name: "json-file", Options: { "max-size": "10m", "max-file": "3" } },
    },
    Mode: { Replicated: { Replicas: input.replicas } },
    EndpointSpec: hostNetwork
      ? { Mode: "dnsrr" }
      : { Mode: "dnsrr", Ports: [{ Protocol: "tcp", TargetPort: spec.port, PublishMode: "host" }] },
  };
}

/** A free port for a host-network release: one no other pier service on the cluster uses. Pure. */
export function chooseHostPort(
  used: Set<number>,
  seed: number,
  range = { from: 20_000, to: 29_999 },
): number {
  const size = range.to - range.from + 1;
  for (let i = 0; i < size; i++) {
    const port = range.from + ((seed + i * 7919) % size);
    if (!used.has(port)) return port;
  }
  throw new Error(`no free port left in ${range.from}-${range.to} for a host-network release`);
}

/** Whether an Engine API version (`1.41`) is at least `wanted` (`1.44`). Pure. */
export function apiAtLeast(version: string | undefined, wanted: string): boolean {
  const [major = 0, minor = 0] = (version ?? "0").split(".").map(Number);
  const [wantMajor = 0, wantMinor = 0] = wanted.split(".").map(Number);
  return major > wantMajor || (major === wantMajor && minor >= wantMinor);
}
