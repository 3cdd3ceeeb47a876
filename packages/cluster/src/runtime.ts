import type { Logger } from "@pier/core";
import { ReplicaExitedError } from "@pier/deploy";
import type {
  ClusterReplicaPlace,
  ClusterReplicaRuntime,
  ClusterReplicaSpec,
  ClusterStartedReplica,
} from "@pier/platform";
import type Docker from "dockerode";
import { UnplaceableError } from "./errors.ts";
import { explainUnplaceable, type NodeFacts, needsHostNetwork, platformOfArch } from "./placement.ts";
import {
  apiAtLeast,
  chooseHostPort,
  releaseServiceSpec,
  serviceLabels,
  serviceName,
} from "./service-spec.ts";
import { tailServiceLogs } from "./swarm/service-logs.ts";
import {
  currentTasks,
  failedStarts,
  parseReplicaId,
  placementError,
  replicaId,
  type TaskFacts,
  taskFacts,
  taskUpstream,
} from "./tasks.ts";

export interface RegistryAuth {
  username: string;
  password: string;
  serveraddress: string;
}

export interface SwarmRuntimeDeps {
  docker: () => Docker;
  /** Labels this pier's services (from the cluster's state). */
  instance(): string;
  logger: Logger;
  /** The current nodes (the node watch's view, refreshed on demand). */
  nodes(refresh?: boolean): Promise<NodeFacts[]>;
  /** The credentials nodes pull release images with (handed to Swarm with each service). */
  pullAuth(image: string): Promise<RegistryAuth | undefined>;
  /** Replicas started or adopted: the task watch follows them from now on. */
  follow(place: ClusterReplicaPlace & { service: string; healthPath: string; hostPort: number | null }): void;
  /** A release's service went: stop following its slots. */
  unfollow(service: string): void;
  startTimeoutMs: number;
  /** How long tasks of a release nothing routes yet may wait before they are restarted (a stalled pull). */
  stuckMs?: number;
  pollMs?: number;
}

interface ReleaseRecord {
  service: string;
  deploymentId: string;
  count: number;
  /** Slots the deploy engine still uses; the service goes when none is left. */
  live: Set<number>;
  ready: Promise<Map<number, ClusterStartedReplica>>;
  hostPort: number | null;
}

/**
 * The deploy engine's ReplicaRuntime on Docker Swarm: the replicas of a release are the tasks of
 * one service, started together (the rollout's start of replica 1 creates the service with all
 * of them; the others resolve from the same wait). Replica n is slot n; its id is
 * `swarm:<service>:<n>` and stays the same when Swarm moves the task to another node. A release
 * that no node can run fails before anything starts, with the reason.
 *
 * Swarm cannot remove one chosen task of a service: a replica removed while others of its release
 * still serve (a liveness replacement) keeps running outside the routes until the whole release is
 * retired.
 */
export class SwarmReplicaRuntime implements ClusterReplicaRuntime {
  private readonly releases = new Map<string, ReleaseRecord>();

  constructor(private readonly deps: SwarmRuntimeDeps) {}

  async start(spec: ClusterReplicaSpec): Promise<ClusterStartedReplica> {
    let record = this.releases.get(spec.deploymentId);
    if (!record) {
      const service = serviceName(spec.app, spec.env, spec.deploymentId);
      const count = Math.max(spec.replicas ?? 1, spec.replica);
      const created: ReleaseRecord = {
        service,
        deploymentId: spec.deploymentId,
        count,
        live: new Set(),
        hostPort: null,
        ready: Promise.resolve(new Map()),
      };
      created.ready = this.create(spec, created).catch(async (error) => {
        this.releases.delete(spec.deploymentId);
        await this.removeService(service);
        throw error;
      });
      this.releases.set(spec.deploymentId, created);
      record = created;
    } else if (spec.replica > record.count) {
      // A replacement beyond the release's replicas (liveness): one more task of the same service.
      record.count = spec.replica;
      record.ready = this.scale(record);
    }
    const started = (await record.ready).get(spec.replica);
    if (!started) throw new Error(`slot ${spec.replica} of ${record.service} has no running task`);
    record.live.add(spec.replica);
    this.deps.follow({
      containerId: started.containerId,
      deploymentId: spec.deploymentId,
      upstream: started.upstream,
      service: record.service,
      healthPath: spec.healthPath ?? "/",
      hostPort: record.hostPort,
    });
    return started;
  }

  private async create(
    spec: ClusterReplicaSpec,
    record: ReleaseRecord,
  ): Promise<Map<number, ClusterStartedReplica>> {
    const docker = this.deps.docker();
    const nodes = await this.deps.nodes(true);
    const auth = await this.deps.pullAuth(spec.image);
    let platforms = await imagePlatforms(docker, spec.image, auth);
    if (spec.platforms?.length) platforms = platforms.filter((p) => spec.platforms!.includes(p));
    const placement = spec.placement ?? [];
    const why = explainUnplaceable({ nodes, placement, platforms });
    if (why) throw new UnplaceableError(`no node can run this release: ${why}`);
    let hostNetwork: { networkId: string; port: number } | null = null;
    if (needsHostNetwork(nodes, placement, platforms)) {
      const networkId = ((await docker.getNetwork("host").inspect()) as { Id: string }).Id;
      const port = chooseHostPort(await this.hostPortsInUse(), hashOf(record.service));
      hostNetwork = { networkId, port };
      record.hostPort = port;
    }
    const engine = (await docker.version()) as { ApiVersion?: string };
    const body = releaseServiceSpec({
      spec,
      name: record.service,
      instance: this.deps.instance(),
      platforms,
      hostNetwork,
      replicas: record.count,
      noNewPrivileges: apiAtLeast(engine.ApiVersion, "1.44"),
    });
    await (docker.createService as (auth: unknown, opts: unknown) => Promise<unknown>)(auth, body);
    return this.waitForSlots(record);
  }

  private async scale(record: ReleaseRecord): Promise<Map<number, ClusterStartedReplica>> {
    const service = this.deps.docker().getService(record.service);
    const current = (await service.inspect()) as {
      Version: { Index: number };
      Spec: Record<string, unknown>;
    };
    await service.update({
      version: current.Version.Index,
      ...current.Spec,
      Mode: { Replicated: { Replicas: record.count } },
    });
    return this.waitForSlots(record);
  }

  /** Until every slot runs on a ready node, or Swarm says it cannot place them, or a slot keeps failing. */
  private async waitForSlots(record: ReleaseRecord): Promise<Map<number, ClusterStartedReplica>> {
    const docker = this.deps.docker();
    const deadline = performance.now() + this.deps.startTimeoutMs;
    let unplacedSince: number | null = null;
    let waitingSince = performance.now();
    let restarts = 0;
    let last = "no task yet";
    while (performance.now() < deadline) {
      const tasks = (await docker.listTasks({ filters: { service: [record.service] } })).map(taskFacts);
      const nodes = new Map((await this.deps.nodes()).map((n) => [n.id, n]));
      const current = currentTasks(tasks);
      const started = new Map<number, ClusterStartedReplica>();
      for (let slot = 1; slot <= record.count; slot++) {
        const task = current.get(slot);
        const upstream = task ? taskUpstream(task, nodes, record.hostPort) : null;
        if (task && upstream) {
          started.set(slot, {
            containerId: replicaId(record.service, slot),
            replica: slot,
            hostPort: Number(upstream.slice(upstream.lastIndexOf(":") + 1)),
            upstream,
          });
          continue;
        }
        const failures = failedStarts(tasks, slot);
        if (failures.length >= 2) {
          const tail = await tailServiceLogs(docker, record.service, 30).catch(() => []);
          throw new ReplicaExitedError(failures[0]!.exitCode ?? 1, tail);
        }
        last = task
          ? `slot ${slot} is ${task.state}${task.err ? ` (${task.err})` : ""}`
          : `slot ${slot} has no task`;
      }
      if (started.size === record.count) return started;
      const unplaced = placementError(tasks);
      if (unplaced) {
        unplacedSince ??= performance.now();
        // The scheduler retries as nodes change; a few seconds tell a lasting refusal from a race.
        if (performance.now() - unplacedSince > 3000)
          throw new UnplaceableError(`Swarm cannot place it: ${unplaced}`);
      } else unplacedSince = null;
      // The Engine gives an image pull no timeout: one that stalls (a connection that stops
      // sending) keeps its task "preparing" for ever. When the other nodes got the image long
      // ago and nothing of the release is routed yet, restarting its tasks costs nothing and
      // starts that pull again (the layers it completed stay).
      const stuck = started.size > 0 && performance.now() - waitingSince > (this.deps.stuckMs ?? 60_000);
      if (!unplaced && stuck && record.live.size === 0 && restarts < 2) {
        restarts++;
        waitingSince = performance.now();
        this.deps.logger.warn("a release's tasks are not running yet; restarting them", {
          service: record.service,
          waiting: last,
        });
        await this.restartTasks(record.service);
      }
      await Bun.sleep(this.deps.pollMs ?? 250);
    }
    throw new Error(
      `its tasks did not start within ${Math.round(this.deps.startTimeoutMs / 1000)}s (${last}): the nodes may still be pulling the image`,
    );
  }

  /** Replaces every task of a service at once (Swarm's forced update with no parallelism limit). */
  private async restartTasks(name: string): Promise<void> {
    const service = this.deps.docker().getService(name);
    const current = (await service.inspect()) as {
      Version: { Index: number };
      Spec: { TaskTemplate?: { ForceUpdate?: number } & Record<string, unknown> } & Record<string, unknown>;
    };
    const template = current.Spec.TaskTemplate ?? {};
    await service.update({
      version: current.Version.Index,
      ...current.Spec,
      TaskTemplate: { ...template, ForceUpdate: (template.ForceUpdate ?? 0) + 1 },
      UpdateConfig: { Parallelism: 0, Order: "stop-first", FailureAction: "continue" },
    });
  }

  private async hostPortsInUse(): Promise<Set<number>> {
    const services = await this.deps
      .docker()
      .listServices({ filters: { label: [`${serviceLabels.instance}=${this.deps.instance()}`] } });
    const used = new Set<number>();
    for (const s of services as { Spec?: { Labels?: Record<string, string> } }[]) {
      const port = Number(s.Spec?.Labels?.[serviceLabels.hostPort]);
      if (port) used.add(port);
    }
    return used;
  }

  async state(containerId: string): Promise<{ running: boolean; exitCode: number | null }> {
    const id = parseReplicaId(containerId);
    if (!id) return { running: false, exitCode: null };
    const tasks = await this.tasksOf(id.service);
    const task = currentTasks(tasks).get(id.slot);
    if (task?.state === "running") return { running: true, exitCode: null };
    const failed = failedStarts(tasks, id.slot)[0];
    // Swarm restarts a failed task: "not running" only once it failed twice, or nothing replaces it.
    if (task && failedStarts(tasks, id.slot).length < 2) return { running: true, exitCode: null };
    return { running: false, exitCode: failed?.exitCode ?? null };
  }

  async stop(): Promise<void> {
    // The grace is the service's StopGracePeriod; the task stops when its service is removed.
  }

  async remove(containerId: string): Promise<void> {
    const id = parseReplicaId(containerId);
    if (!id) return;
    const record = [...this.releases.values()].find((r) => r.service === id.service);
    if (!record) {
      // Not started by this process and not adopted: nothing else can be using it.
      await this.removeService(id.service);
      return;
    }
    record.live.delete(id.slot);
    if (record.live.size > 0) return;
    this.releases.delete(record.deploymentId);
    await this.removeService(record.service);
  }

  async tailLogs(containerId: string, lines: number): Promise<string[]> {
    const id = parseReplicaId(containerId);
    if (!id) return [];
    return tailServiceLogs(this.deps.docker(), id.service, lines).catch(() => []);
  }

  /**
   * After a restart: the running replicas of the deployments that are current, which the runtime
   * takes back as its own; services of other deployments (a deploy cut off by the restart) go.
   */
  async adopt(deploymentIds: string[]): Promise<ClusterReplicaPlace[]> {
    const docker = this.deps.docker();
    const wanted = new Set(deploymentIds);
    const services = (await docker.listServices({
      filters: {
        label: [`${serviceLabels.instance}=${this.deps.instance()}`, `${serviceLabels.role}=release`],
      },
    })) as {
      Spec: { Name: string; Labels: Record<string, string>; Mode?: { Replicated?: { Replicas?: number } } };
    }[];
    const nodes = new Map((await this.deps.nodes(true)).map((n) => [n.id, n]));
    const places: ClusterReplicaPlace[] = [];
    for (const service of services) {
      const labels = service.Spec.Labels;
      const deploymentId = labels[serviceLabels.deployment] ?? "";
      if (!wanted.has(deploymentId)) {
        await this.removeService(service.Spec.Name);
        continue;
      }
      const hostPort = Number(labels[serviceLabels.hostPort]) || null;
      const count = service.Spec.Mode?.Replicated?.Replicas ?? 1;
      const current = currentTasks(await this.tasksOf(service.Spec.Name));
      const record: ReleaseRecord = {
        service: service.Spec.Name,
        deploymentId,
        count,
        live: new Set(),
        hostPort,
        ready: Promise.resolve(new Map()),
      };
      for (let slot = 1; slot <= count; slot++) {
        const task = current.get(slot);
        const upstream = task ? taskUpstream(task, nodes, hostPort) : null;
        const place = { containerId: replicaId(service.Spec.Name, slot), deploymentId, upstream };
        record.live.add(slot);
        places.push(place);
        this.deps.follow({
          ...place,
          service: service.Spec.Name,
          healthPath: labels[serviceLabels.healthPath] ?? "/",
          hostPort,
        });
      }
      this.releases.set(deploymentId, record);
    }
    return places;
  }

  /** Every release service of an app goes (the app was deleted). */
  async removeApp(app: string): Promise<void> {
    const services = (await this.deps.docker().listServices({
      filters: {
        label: [`${serviceLabels.instance}=${this.deps.instance()}`, `${serviceLabels.app}=${app}`],
      },
    })) as { Spec: { Name: string; Labels: Record<string, string> } }[];
    for (const service of services) {
      this.releases.delete(service.Spec.Labels[serviceLabels.deployment] ?? "");
      await this.removeService(service.Spec.Name);
    }
  }

  private async tasksOf(service: string): Promise<TaskFacts[]> {
    try {
      return (await this.deps.docker().listTasks({ filters: { service: [service] } })).map(taskFacts);
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return [];
      throw error;
    }
  }

  private async removeService(service: string): Promise<void> {
    this.deps.unfollow(service);
    try {
      await this.deps.docker().getService(service).remove();
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 404) throw error;
    }
  }
}

/**
 * The platforms an image has variants for, as `docker service create` finds them: the registry's
 * manifest (list) through the Engine's distribution endpoint; for an image only this Engine has,
 * its own architecture.
 */
export async function imagePlatforms(
  docker: Docker,
  image: string,
  auth: RegistryAuth | undefined,
): Promise<string[]> {
  try {
    const info = (await (
      docker.getImage(image) as unknown as { distribution(o: unknown): Promise<unknown> }
    ).distribution({ authconfig: auth })) as {
      Platforms?: { architecture?: string; os?: string; variant?: string }[];
    };
    const platforms = (info.Platforms ?? [])
      .filter((p) => p.architecture && p.os && p.os !== "unknown")
      .map((p) => [p.os, p.architecture, p.variant].filter(Boolean).join("/"))
      .map((p) => (p === "linux/arm64/v8" ? "linux/arm64" : p));
    if (platforms.length) return [...new Set(platforms)];
  } catch {
    // Not in a registry: a local image.
  }
  const inspected = (await docker.getImage(image).inspect()) as { Architecture?: string; Os?: string };
  return [platformOfArch(inspected.Architecture ?? "amd64", inspected.Os ?? "linux")];
}

function hashOf(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (hash * 31 + text.charCodeAt(i)) >>> 0;
  return hash;
}
