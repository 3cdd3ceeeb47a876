import type Docker from "dockerode";
import { ReplicaExitedError } from "../errors.ts";
import type { ReplicaRuntime, ReplicaSpec, ReplicaState } from "../ports.ts";
import { appVolumeName, labelKeys, pierLabels } from "./labels.ts";
import { createLogDemuxer, type LogStream } from "./log-lines.ts";

/** Docker names allow [a-zA-Z0-9_.-]; anything else in app/env/deployment ids becomes "-". */
function containerName(spec: ReplicaSpec): string {
  const clean = (s: string) => s.replace(/[^a-zA-Z0-9_.-]/g, "-");
  return `pier-${clean(spec.app)}-${clean(spec.env)}-${clean(spec.deploymentId)}-${spec.replica}`;
}

function statusCode(error: unknown): number | undefined {
  return (error as { statusCode?: number }).statusCode;
}

/** Joins the networks of `networks` (created with the container's first API version, one at a time). */
export async function joinNetworks(
  docker: Docker,
  containerId: string,
  networks: string[] = [],
): Promise<void> {
  for (const network of networks) {
    await docker.getNetwork(network).connect({ Container: containerId });
  }
}

/** How a replica's container is created: loopback-only port, no privileges, limits. Pure. */
export function containerOptions(spec: ReplicaSpec, instance?: string): Docker.ContainerCreateOptions {
  const portKey = `${spec.port}/tcp`;
  const env = { ...spec.envVars, PORT: String(spec.port), HOST: "0.0.0.0" };
  return {
    name: containerName(spec),
    Image: spec.image,
    User: spec.user,
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Labels: pierLabels({ ...spec, port: spec.port, instance }),
    ExposedPorts: { [portKey]: {} },
    HostConfig: {
      // Loopback only: the proxy is the one way in; HostPort "" lets the Engine pick a free port.
      PortBindings: { [portKey]: [{ HostIp: "127.0.0.1", HostPort: "" }] },
      RestartPolicy: { Name: "unless-stopped" },
      Privileged: false,
      SecurityOpt: ["no-new-privileges"],
      // An init as PID 1 forwards SIGTERM to the app; a bare app as PID 1 would ignore it.
      Init: true,
      Memory: spec.memoryBytes ?? undefined,
      // Swap counts against the cap too: a replica over it is killed, not paged for minutes.
      MemorySwap: spec.memoryBytes ?? undefined,
      NanoCpus: spec.cpus ? Math.round(spec.cpus * 1e9) : undefined,
      PidsLimit: spec.pidsLimit,
      ReadonlyRootfs: spec.readOnly ?? false,
      Tmpfs: spec.readOnly ? { "/tmp": "rw,nosuid,nodev,size=64m" } : undefined,
      Mounts: spec.volumes?.length
        ? (spec.volumes.map((v) => ({
            Type: "volume" as const,
            Source: appVolumeName(spec.app, v.name),
            Target: v.path,
            // Labels when the Engine creates the volume on first use (pier volumes list reads them).
            VolumeOptions: {
              NoCopy: false,
              Labels: { "pier.volume.app": spec.app, "pier.volume.name": v.name },
              DriverConfig: { Name: "local", Options: {} },
            },
          })) satisfies Docker.MountConfig)
        : undefined,
      LogConfig: { Type: "json-file", Config: { "max-size": "10m", "max-file": "3" } },
    },
  };
}

/** ReplicaRuntime on the Docker Engine. `instance` labels containers with the owning pier. */
export function createDockerReplicaRuntime(
  docker: Docker,
  options: { instance?: string } = {},
): ReplicaRuntime {
  return {
    async start(spec) {
      const portKey = `${spec.port}/tcp`;
      const container = await docker.createContainer(containerOptions(spec, options.instance));
      try {
        await joinNetworks(docker, container.id, spec.networks);
        await container.start();
        const info = await container.inspect();
        if (!info.State.Running || info.State.Restarting) {
          throw new ReplicaExitedError(info.State.ExitCode, await tailContainerLogs(docker, info.Id, 30));
        }
        const hostPort = Number(info.NetworkSettings.Ports?.[portKey]?.[0]?.HostPort);
        if (!hostPort) throw new Error(`Docker published no host port for ${portKey}`);
        return { containerId: info.Id, replica: spec.replica, hostPort, upstream: `127.0.0.1:${hostPort}` };
      } catch (error) {
        await container.remove({ force: true, v: true }).catch(() => {});
        throw error;
      }
    },

    async state(containerId): Promise<ReplicaState> {
      try {
        const info = await docker.getContainer(containerId).inspect();
        return {
          running: info.State.Running && !info.State.Restarting,
          exitCode: info.State.Running ? null : info.State.ExitCode,
        };
      } catch (error) {
        if (statusCode(error) === 404) return { running: false, exitCode: null };
        throw error;
      }
    },

    async stop(containerId, graceMs) {
      try {
        // The Engine sends the image's stop signal (SIGTERM by default), then SIGKILL after t seconds.
        await docker.getContainer(containerId).stop({ t: Math.max(0, Math.ceil(graceMs / 1000)) });
      } catch (error) {
        const code = statusCode(error);
        if (code !== 304 && code !== 404) throw error;
      }
    },

    async remove(containerId) {
      try {
        await docker.getContainer(containerId).remove({ force: true, v: true });
      } catch (error) {
        if (statusCode(error) !== 404) throw error;
      }
    },

    async tailLogs(containerId, lines) {
      return tailContainerLogs(docker, containerId, lines);
    },
  };
}

export async function tailContainerLogs(
  docker: Docker,
  containerId: string,
  lines: number,
): Promise<string[]> {
  const out: string[] = [];
  try {
    const raw = (await docker
      .getContainer(containerId)
      .logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Uint8Array;
    const demux = createLogDemuxer((line) => out.push(line));
    demux.push(raw);
    demux.end();
  } catch (error) {
    if (statusCode(error) !== 404) throw error;
  }
  return out.slice(-lines);
}

export interface PierContainer {
  containerId: string;
  name: string;
  app: string;
  env: string;
  deploymentId: string;
  replica: number;
  /** The pier instance that created it (label pier.instance), null for unlabelled ones. */
  instance: string | null;
  image: string;
  /** Engine state: running, exited, restarting, created... */
  state: string;
  /** Published loopback port when running. */
  hostPort: number | null;
  /** What started a one-off container (label pier.one-off); null for replicas. */
  oneOff: string | null;
  upstream: string | null;
}

/** Every container pier created (optionally of one app, of one instance), for adoption after a restart. */
export async function listPierContainers(
  docker: Docker,
  filter: { app?: string; instance?: string } = {},
): Promise<PierContainer[]> {
  const label = filter.app ? [`${labelKeys.app}=${filter.app}`] : [labelKeys.app];
  if (filter.instance) label.push(`${labelKeys.instance}=${filter.instance}`);
  const containers = await docker.listContainers({ all: true, filters: { label } });
  return containers.map((c) => {
    const published = c.Ports.find(
      (p) => p.IP === "127.0.0.1" && p.PublicPort && String(p.PrivatePort) === c.Labels[labelKeys.port],
    );
    const hostPort = published?.PublicPort ?? null;
    return {
      containerId: c.Id,
      name: (c.Names[0] ?? "").replace(/^\//, ""),
      app: c.Labels[labelKeys.app] ?? "",
      env: c.Labels[labelKeys.env] ?? "production",
      deploymentId: c.Labels[labelKeys.deployment] ?? "",
      replica: Number(c.Labels[labelKeys.replica] ?? 0),
      instance: c.Labels[labelKeys.instance] ?? null,
      image: c.Image,
      state: c.State,
      hostPort,
      upstream: hostPort ? `127.0.0.1:${hostPort}` : null,
      oneOff: c.Labels[labelKeys.oneOff] ?? null,
    };
  });
}

export interface LogFollowOptions {
  follow?: boolean;
  /** Lines of history before following; default 100. */
  tail?: number;
  /** Unix seconds. */
  since?: number;
  timestamps?: boolean;
  signal?: AbortSignal;
}

/**
 * Streams a container's log lines to `onLine` until the container stops, the signal aborts, or
 * (without follow) the history is sent.
 */
export async function streamContainerLogs(
  docker: Docker,
  containerId: string,
  onLine: (line: string, stream: LogStream) => void,
  options: LogFollowOptions = {},
): Promise<void> {
  const container = docker.getContainer(containerId);
  const common = {
    stdout: true,
    stderr: true,
    tail: options.tail ?? 100,
    since: options.since,
    timestamps: options.timestamps,
  };
  const demux = createLogDemuxer(onLine);
  if (!options.follow) {
    demux.push((await container.logs({ ...common, follow: false })) as unknown as Uint8Array);
    demux.end();
    return;
  }
  const stream = (await container.logs({ ...common, follow: true })) as NodeJS.ReadableStream & {
    destroy(): void;
  };
  await new Promise<void>((resolve, reject) => {
    const abort = () => {
      stream.destroy();
      resolve();
    };
    if (options.signal?.aborted) return abort();
    options.signal?.addEventListener("abort", abort, { once: true });
    stream.on("data", (chunk: Uint8Array) => demux.push(chunk));
    stream.on("end", resolve);
    stream.on("close", resolve);
    stream.on("error", reject);
  }).finally(() => demux.end());
}
