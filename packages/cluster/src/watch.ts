import type { Logger } from "@pier/core";
import type { NotificationEvent } from "@pier/notify";
import type { ClusterReplicaPlace } from "@pier/platform";
import type Docker from "dockerode";
import type { NodeFacts } from "./placement.ts";
import { listNodes } from "./swarm/nodes.ts";
import { currentTasks, parseReplicaId, type TaskFacts, taskFacts, taskUpstream } from "./tasks.ts";

export type PlaceListener = (place: ClusterReplicaPlace) => void | Promise<void>;

interface Followed {
  deploymentId: string;
  service: string;
  healthPath: string;
  hostPort: number | null;
  /** What the deploy engine routes to now (null: out of the routes). */
  upstream: string | null;
  /** A new place being health-checked before it is announced. */
  probing: string | null;
}

export interface ClusterWatchDeps {
  docker: () => Docker;
  logger: Logger;
  notify(event: NotificationEvent): void;
  pollMs: number;
  /** How long a moved replica may take to answer its health check before pier stops waiting. */
  healthTimeoutMs: number;
  probe?: (url: string) => Promise<boolean>;
}

export interface NodeStateChange {
  node: NodeFacts;
  from: string;
  to: string;
}

/**
 * Follows the swarm for the deploy engine: the nodes (state, availability), and the task that
 * serves each followed replica slot. A slot whose task stops, or whose node goes down or is being
 * drained, leaves the routes at once; a task Swarm starts in its place (on the same node or
 * another) is health-checked where it runs and then routed. Swarm's task list is polled (the
 * Engine has no task events) every `pollMs`; node events trigger an immediate look. Nodes that go
 * down or come back are reported through the notification channels.
 */
export class ClusterWatch {
  private readonly followed = new Map<string, Followed>();
  private readonly listeners = new Set<PlaceListener>();
  private readonly nodeStates = new Map<string, { state: string; since: number }>();
  /** Nodes pier is draining: their tasks leave the routes before Swarm stops them. */
  private readonly excluded = new Set<string>();
  private nodeCache: { at: number; nodes: NodeFacts[] } | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private events: NodeJS.ReadableStream | null = null;
  private running = false;
  private stopped = false;
  private again = false;

  constructor(private readonly deps: ClusterWatchDeps) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
    void this.followEvents();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    (this.events as { destroy?: () => void } | null)?.destroy?.();
  }

  onPlace(listener: PlaceListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  follow(
    place: ClusterReplicaPlace & { service: string; healthPath: string; hostPort?: number | null },
  ): void {
    this.followed.set(place.containerId, {
      deploymentId: place.deploymentId,
      service: place.service,
      healthPath: place.healthPath,
      hostPort: place.hostPort ?? null,
      upstream: place.upstream,
      probing: null,
    });
  }

  unfollow(service: string): void {
    for (const [id, entry] of this.followed) if (entry.service === service) this.followed.delete(id);
  }

  /** Replicas followed on a node now (routed there). */
  replicasOn(node: NodeFacts): string[] {
    return [...this.followed.entries()]
      .filter(([, f]) => f.upstream?.startsWith(`${node.addr}:`))
      .map(([id]) => id);
  }

  async nodes(refresh = false): Promise<NodeFacts[]> {
    if (!refresh && this.nodeCache && performance.now() - this.nodeCache.at < 2000)
      return this.nodeCache.nodes;
    const nodes = await listNodes(this.deps.docker());
    this.nodeCache = { at: performance.now(), nodes };
    return nodes;
  }

  /**
   * Takes a node's replicas out of the routes (every proxy worker acknowledged) before it is
   * drained, so Swarm stopping them breaks no request; `restore` ends it (drain failed, activate).
   */
  async exclude(nodeId: string): Promise<string[]> {
    this.excluded.add(nodeId);
    const node = (await this.nodes(true)).find((n) => n.id === nodeId);
    const moved: string[] = [];
    for (const [id, entry] of this.followed) {
      if (!node || !entry.upstream?.startsWith(`${node.addr}:`)) continue;
      moved.push(entry.upstream);
      entry.upstream = null;
      await this.announce({ containerId: id, deploymentId: entry.deploymentId, upstream: null });
    }
    return moved;
  }

  restore(nodeId: string): void {
    this.excluded.delete(nodeId);
    this.kick();
  }

  /** Look now (after a change pier made, or a node event). */
  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref?.();
  }

  private async tick(): Promise<void> {
    this.running = true;
    try {
      const nodes = await this.nodes(true);
      this.noticeNodeChanges(nodes);
      if (this.followed.size > 0) {
        const tasks = (await this.deps.docker().listTasks({ filters: { "desired-state": ["running"] } })).map(
          taskFacts,
        );
        await this.reconcile(tasks, nodes);
      }
    } catch (error) {
      this.deps.logger.warn("swarm not readable; retrying", { error });
    } finally {
      this.running = false;
      const next = this.again ? 0 : this.deps.pollMs;
      this.again = false;
      this.schedule(next);
    }
  }

  private async reconcile(tasks: TaskFacts[], nodeList: NodeFacts[]): Promise<void> {
    const nodes = new Map(
      nodeList.filter((n) => !this.excluded.has(n.id) && n.availability !== "drain").map((n) => [n.id, n]),
    );
    const byService = new Map<string, TaskFacts[]>();
    const serviceIds = new Map<string, string>();
    const services = (await this.deps.docker().listServices()) as { ID: string; Spec: { Name: string } }[];
    for (const s of services) serviceIds.set(s.Spec.Name, s.ID);
    for (const task of tasks) byService.set(task.serviceId, [...(byService.get(task.serviceId) ?? []), task]);
    for (const [id, entry] of this.followed) {
      const slot = parseReplicaId(id)?.slot ?? 0;
      const serviceId = serviceIds.get(entry.service);
      const task = serviceId ? currentTasks(byService.get(serviceId) ?? []).get(slot) : undefined;
      const place = task ? taskUpstream(task, nodes, entry.hostPort) : null;
      if (place === entry.upstream) continue;
      if (place === null) {
        this.deps.logger.warn("a replica left its node; out of the routes until Swarm starts it again", {
          replica: id,
          was: entry.upstream,
          task: task ? `${task.state} ${task.message}` : "none",
        });
        entry.upstream = null;
        entry.probing = null;
        await this.announce({ containerId: id, deploymentId: entry.deploymentId, upstream: null });
        continue;
      }
      if (entry.probing === place) continue;
      entry.probing = place;
      void this.routeWhenHealthy(id, entry, place);
    }
  }

  private async routeWhenHealthy(id: string, entry: Followed, place: string): Promise<void> {
    const probe = this.deps.probe ?? probeHealth;
    const deadline = performance.now() + this.deps.healthTimeoutMs;
    while (performance.now() < deadline && entry.probing === place && this.followed.get(id) === entry) {
      if (await probe(`http://${place}${entry.healthPath}`)) {
        if (entry.probing !== place) return;
        entry.probing = null;
        entry.upstream = place;
        this.deps.logger.info("a replica serves from a new place; routed again", {
          replica: id,
          upstream: place,
        });
        await this.announce({ containerId: id, deploymentId: entry.deploymentId, upstream: place });
        return;
      }
      await Bun.sleep(250);
    }
    if (entry.probing === place) {
      entry.probing = null;
      this.deps.logger.warn("a moved replica did not pass its health check; left out of the routes", {
        replica: id,
        upstream: place,
      });
    }
  }

  private async announce(place: ClusterReplicaPlace): Promise<void> {
    await Promise.all(
      [...this.listeners].map(async (listener) => {
        try {
          await listener(place);
        } catch (error) {
          this.deps.logger.warn("a replica move was not applied", { error, replica: place.containerId });
        }
      }),
    );
  }

  private noticeNodeChanges(nodes: NodeFacts[]): void {
    const now = Date.now();
    for (const node of nodes) {
      const before = this.nodeStates.get(node.id);
      this.nodeStates.set(node.id, before?.state === node.state ? before : { state: node.state, since: now });
      if (!before || before.state === node.state) continue;
      if (before.state === "ready" && node.state !== "ready") {
        const replicas = this.replicasOn(node).length;
        this.deps.logger.error("a cluster node went down", {
          node: node.hostname,
          state: node.state,
          replicas,
        });
        this.deps.notify({
          kind: "node.down",
          node: node.hostname,
          nodeId: node.id,
          state: node.state,
          replicas,
        });
      } else if (node.state === "ready" && before.state !== "ready") {
        this.deps.logger.info("a cluster node is ready again", { node: node.hostname });
        this.deps.notify({
          kind: "node.up",
          node: node.hostname,
          nodeId: node.id,
          downMs: now - before.since,
        });
      }
    }
  }

  /** When a node's state changed, in ms since the epoch (for the API: down since…). */
  stateSince(nodeId: string): number | null {
    return this.nodeStates.get(nodeId)?.since ?? null;
  }

  private async followEvents(): Promise<void> {
    while (!this.stopped) {
      try {
        const stream = (await this.deps.docker().getEvents({
          filters: JSON.stringify({ type: ["node", "service"] }),
        })) as NodeJS.ReadableStream;
        this.events = stream;
        await new Promise<void>((resolve) => {
          stream.on("data", () => this.kick());
          stream.on("end", resolve);
          stream.on("error", resolve);
          stream.on("close", resolve);
        });
      } catch {
        // The Engine restarting: the poll goes on meanwhile.
      }
      if (!this.stopped) await Bun.sleep(2000);
    }
  }
}

async function probeHealth(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, {
      redirect: "manual",
      signal: AbortSignal.timeout(2000),
      headers: { "user-agent": "pier-health-check" },
    });
    await response.body?.cancel();
    return response.status >= 200 && response.status < 400;
  } catch {
    return false;
  }
}
