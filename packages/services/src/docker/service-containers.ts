import type Docker from "dockerode";
import { containerCommand, containerEnv, healthCommand } from "../commands.ts";
import { ServiceElsewhereError } from "../errors.ts";
import { type Credentials, kindSpec, type ServiceKind } from "../kinds.ts";
import {
  appNetworkLabels,
  appNetworkName,
  serviceContainerName,
  serviceLabels,
  serviceNetworkName,
  serviceVolumeName,
} from "./names.ts";
import { serviceOwnerLabels } from "./ownership.ts";

export interface ServiceContainerSpec {
  name: string;
  kind: ServiceKind;
  image: string;
  credentials: Credentials;
  memoryBytes: number | null;
  healthIntervalMs: number;
  /** This pier's id, as `pier.service.instance`: another pier on the Engine leaves the container alone. */
  instance?: string;
  /** Apps whose networks the container joins (alias: the service name). */
  apps: string[];
  /** Extra command-line arguments (a Redis restore starts once without AOF). */
  commandOverride?: string[];
}

const statusCode = (error: unknown) => (error as { statusCode?: number }).statusCode;

/**
 * How a service's container is created: its volume at the kind's data path, a health check of
 * its kind, restart policy, memory cap, no host port, and only its own network (apps' networks
 * are joined after creation). Pure.
 */
export function serviceContainerOptions(spec: ServiceContainerSpec): Docker.ContainerCreateOptions {
  const kind = kindSpec(spec.kind);
  const env = containerEnv(spec.kind, spec.credentials);
  const ms = (n: number) => n * 1_000_000;
  return {
    name: serviceContainerName(spec.name),
    Image: spec.image,
    Cmd: spec.commandOverride ?? containerCommand(spec.kind, spec.credentials),
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Labels: {
      [serviceLabels.service]: spec.name,
      [serviceLabels.kind]: spec.kind,
      ...(spec.instance ? { [serviceLabels.serviceInstance]: spec.instance } : {}),
    },
    StopSignal: kind.stopSignal,
    ExposedPorts: { [`${kind.port}/tcp`]: {} },
    Healthcheck: {
      Test: ["CMD", ...healthCommand(spec.kind, spec.credentials)],
      Interval: ms(spec.healthIntervalMs),
      Timeout: ms(5_000),
      Retries: 3,
      StartPeriod: ms(60_000),
      StartInterval: ms(1_000),
    },
    HostConfig: {
      Mounts: [{ Type: "volume", Source: serviceVolumeName(spec.name), Target: kind.dataPath }],
      NetworkMode: serviceNetworkName(spec.name),
      RestartPolicy: { Name: "unless-stopped" },
      Privileged: false,
      SecurityOpt: ["no-new-privileges"],
      Memory: spec.memoryBytes ?? undefined,
      MemorySwap: spec.memoryBytes ?? undefined,
      // PostgreSQL's shared buffers live in /dev/shm; Docker's 64 MiB default is too small for many.
      ShmSize: spec.kind === "postgres" ? 256 * 1024 * 1024 : undefined,
      LogConfig: { Type: "json-file", Config: { "max-size": "10m", "max-file": "3" } },
    },
  };
}

/** Creates the network when missing; one that exists keeps its labels (Docker cannot change them). */
export async function ensureNetwork(
  docker: Docker,
  name: string,
  labels: Record<string, string>,
): Promise<void> {
  try {
    await docker.getNetwork(name).inspect();
  } catch (error) {
    if (statusCode(error) !== 404) throw error;
    await docker
      .createNetwork({
        Name: name,
        Driver: "bridge",
        // No way out through these: a database needs none, and apps keep the default bridge for theirs.
        Internal: true,
        Labels: labels,
      })
      .catch((createError) => {
        if (statusCode(createError) !== 409) throw createError;
      });
  }
}

export async function ensureVolume(
  docker: Docker,
  name: string,
  labels: Record<string, string>,
): Promise<void> {
  try {
    await docker.getVolume(name).inspect();
  } catch (error) {
    if (statusCode(error) !== 404) throw error;
    await docker.createVolume({ Name: name, Labels: labels });
  }
}

/** Joins `network` with the service name as its DNS alias there; already joined is fine. */
export async function connectToNetwork(
  docker: Docker,
  containerName: string,
  network: string,
  alias?: string,
): Promise<void> {
  try {
    await docker.getNetwork(network).connect({
      Container: containerName,
      EndpointConfig: alias ? { Aliases: [alias] } : {},
    });
  } catch (error) {
    const message = String((error as Error).message);
    if (statusCode(error) === 403 && /already exists|already attached/.test(message)) return;
    if (/already exists in network|is already attached/.test(message)) return;
    throw error;
  }
}

export async function disconnectFromNetwork(
  docker: Docker,
  containerName: string,
  network: string,
): Promise<void> {
  try {
    await docker.getNetwork(network).disconnect({ Container: containerName, Force: true });
  } catch (error) {
    if (statusCode(error) !== 404 && !/is not connected/.test(String((error as Error).message))) throw error;
  }
}

/**
 * Creates and starts the service's container (network and volume first), joining its apps' networks.
 * The networks it creates carry `pier.instance` (this pier's id); the container and volume carry it
 * as `pier.service.instance`, since deploy's and logs' event watches take every container with
 * `pier.instance` for an app's replica.
 */
export async function startServiceContainer(
  docker: Docker,
  spec: ServiceContainerSpec,
  instance: string,
): Promise<string> {
  await ensureNetwork(docker, serviceNetworkName(spec.name), { [serviceLabels.instance]: instance });
  await ensureVolume(docker, serviceVolumeName(spec.name), serviceOwnerLabels(spec.name, instance));
  const container = await docker.createContainer(serviceContainerOptions({ ...spec, instance }));
  try {
    for (const app of spec.apps) {
      await connectToNetwork(docker, container.id, await ensureAppNetwork(docker, app, instance), spec.name);
    }
    await container.start();
  } catch (error) {
    await container.remove({ force: true }).catch(() => {});
    throw error;
  }
  return container.id;
}

/** Stops (clean shutdown of the server) and removes the container; the volume stays. */
export async function removeServiceContainer(docker: Docker, name: string, graceSeconds = 30): Promise<void> {
  const container = docker.getContainer(serviceContainerName(name));
  try {
    await container.stop({ t: graceSeconds });
  } catch (error) {
    const code = statusCode(error);
    if (code !== 304 && code !== 404) throw error;
  }
  try {
    await container.remove({ force: true });
  } catch (error) {
    if (statusCode(error) !== 404) throw error;
  }
}

export async function removeVolume(docker: Docker, name: string): Promise<void> {
  try {
    await docker.getVolume(name).remove({ force: true });
  } catch (error) {
    if (statusCode(error) !== 404) throw error;
  }
}

/** The `pier.instance` label of a network: null when it has none (made before pier labelled networks) or is gone. */
export async function networkInstance(docker: Docker, name: string): Promise<string | null> {
  try {
    return (await docker.getNetwork(name).inspect()).Labels?.[serviceLabels.instance] ?? null;
  } catch (error) {
    if (statusCode(error) !== 404) throw error;
    return null;
  }
}

/**
 * The app's private network, created when missing; returns its name. One labelled with another
 * pier's instance serves that pier's app of the same name (a restored copy beside its original):
 * joining it would put this pier's app or service beside the other's live ones, so it is refused.
 * Unlabelled ones predate the labels: callers join them only when the app's services are theirs.
 */
export async function ensureAppNetwork(docker: Docker, app: string, instance: string): Promise<string> {
  const name = appNetworkName(app);
  const owner = await networkInstance(docker, name);
  if (owner !== null && owner !== instance)
    throw ServiceElsewhereError.forAppNetwork(app, name, owner, instance);
  await ensureNetwork(docker, name, appNetworkLabels(app, instance));
  return name;
}

/** Removes a network; false when it stays because something still uses it. */
export async function removeNetwork(docker: Docker, name: string): Promise<boolean> {
  try {
    await docker.getNetwork(name).remove();
    return true;
  } catch (error) {
    const code = statusCode(error);
    if (code === 404) return true;
    // 403: still in use (an app's replicas, another service): it stays until they leave.
    if (code !== 403 && code !== 409) throw error;
    return false;
  }
}

export type ServiceHealth = "healthy" | "starting" | "unhealthy" | "stopped" | "missing";

export interface ContainerState {
  health: ServiceHealth;
  running: boolean;
  startedAt: string | null;
  exitCode: number | null;
  /** The container's address on its own network, for `--expose`. */
  address: string | null;
  restartCount: number;
  /** The container's labels ({} when it is missing): whose it is, for the health watch. */
  labels: Record<string, string>;
}

export async function inspectService(docker: Docker, name: string): Promise<ContainerState> {
  try {
    const info = await docker.getContainer(serviceContainerName(name)).inspect();
    const running = info.State.Running && !info.State.Restarting;
    const reported = (info.State.Health?.Status ?? "starting") as ServiceHealth | "none";
    // "none": an image without a health check; running is all there is to know.
    const health: ServiceHealth = !running ? "stopped" : reported === "none" ? "healthy" : reported;
    const networks = info.NetworkSettings.Networks ?? {};
    const own = networks[serviceNetworkName(name)] ?? Object.values(networks)[0];
    return {
      health,
      running,
      startedAt: running ? info.State.StartedAt : null,
      exitCode: running ? null : info.State.ExitCode,
      address: own?.IPAddress || null,
      restartCount: info.RestartCount ?? 0,
      labels: info.Config.Labels ?? {},
    };
  } catch (error) {
    if (statusCode(error) !== 404) throw error;
    return {
      health: "missing",
      running: false,
      startedAt: null,
      exitCode: null,
      address: null,
      restartCount: 0,
      labels: {},
    };
  }
}

/** Resolves once Docker's health check passes; throws with the container's last log lines otherwise. */
export async function waitHealthy(
  docker: Docker,
  name: string,
  timeoutMs: number,
  tail: () => Promise<string[]>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let state = await inspectService(docker, name);
  while (Date.now() < deadline) {
    if (state.health === "healthy") return;
    if (state.health === "stopped" || state.health === "missing") break;
    await Bun.sleep(250);
    state = await inspectService(docker, name);
  }
  const lines = await tail().catch(() => []);
  const why =
    state.health === "stopped" ? `its container exited (code ${state.exitCode})` : `it is ${state.health}`;
  throw new Error(
    `${name} did not become healthy within ${Math.round(timeoutMs / 1000)}s: ${why}.${lines.length ? `\n${lines.join("\n")}` : ""}`,
  );
}
