import type { Logger } from "@pier/core";
import type Docker from "dockerode";
import { labelKeys } from "../docker/labels.ts";
import type { ServedEnvironment, ServingTable } from "./serving.ts";

/** The part of a Docker Engine event pier acts on. */
export interface ContainerEvent {
  action: string;
  containerId: string;
  exitCode: number | null;
}

/** Reads one line of `GET /events` (newline-delimited JSON); null for other kinds of events. */
export function parseContainerEvent(line: string): ContainerEvent | null {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return null;
  }
  const event = raw as {
    Type?: string;
    Action?: string;
    Actor?: { ID?: string; Attributes?: Record<string, string> };
  };
  if (event.Type !== "container" || !event.Action || !event.Actor?.ID) return null;
  const exit = Number(event.Actor.Attributes?.exitCode);
  return {
    action: event.Action,
    containerId: event.Actor.ID,
    exitCode: Number.isInteger(exit) ? exit : null,
  };
}

/** The environment one of whose live replicas is `containerId`, if any. Pure. */
export function servedBy(served: ServedEnvironment[], containerId: string): ServedEnvironment | undefined {
  return served.find((entry) => entry.replicas.some((r) => r.containerId === containerId));
}

export interface ReplicaWatchDeps {
  docker: () => Docker;
  instance: string;
  serving: ServingTable;
  publishRoutes(): Promise<void>;
  logger: Logger;
  /** Where the restart count and last exit of a deployment's replicas are kept (its meta). */
  recordReplicaEvent(
    deploymentId: string,
    event: { restarted: boolean; exitCode: number | null },
  ): Promise<void>;
  /** A replica stayed down for `downAfterMs`: tell a human. */
  reportDown(entry: ServedEnvironment, exitCode: number | null): void;
  /** How long a died replica may take to come back (restart policy) before it is reported. */
  downAfterMs?: number;
}

/**
 * Follows the Docker Engine's events for pier's containers, so a replica restarted behind pier's
 * back (`docker start`, or the restart policy reviving a crashed process) is routed again on the
 * new host port it gets, and one that dies leaves the route at once and is reported if it stays
 * down. Without this the proxy kept dialling the old port: a permanent 502 until pier restarted.
 */
export class ReplicaWatch {
  private stream: NodeJS.ReadableStream | null = null;
  private stopped = false;
  private readonly downTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private retryMs = 1000;

  constructor(private readonly deps: ReplicaWatchDeps) {}

  async start(): Promise<void> {
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.downTimers.values()) clearTimeout(timer);
    this.downTimers.clear();
    (this.stream as { destroy?: () => void } | null)?.destroy?.();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    try {
      const stream = (await this.deps.docker().getEvents({
        filters: JSON.stringify({
          type: ["container"],
          event: ["start", "die"],
          label: [`${labelKeys.instance}=${this.deps.instance}`],
        }),
      })) as NodeJS.ReadableStream;
      this.stream = stream;
      this.retryMs = 1000;
      let pending = "";
      stream.on("data", (chunk: Buffer) => {
        pending += chunk.toString("utf8");
        let newline = pending.indexOf("\n");
        while (newline !== -1) {
          const event = parseContainerEvent(pending.slice(0, newline));
          pending = pending.slice(newline + 1);
          if (event) void this.handle(event);
          newline = pending.indexOf("\n");
        }
      });
      stream.on("end", () => this.reconnect());
      stream.on("error", () => this.reconnect());
      // Events missed while not connected (pier starting, the Engine restarting): compare now.
      await this.resync();
    } catch (error) {
      this.deps.logger.warn("Docker events not followed; retrying", { error });
      this.reconnect();
    }
  }

  private reconnect(): void {
    if (this.stopped) return;
    this.stream = null;
    const wait = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, 30_000);
    setTimeout(() => void this.connect(), wait).unref?.();
  }

  /** Every served replica checked against the Engine: ports that changed, replicas that are down. */
  private async resync(): Promise<void> {
    for (const entry of this.deps.serving.list()) {
      for (const replica of entry.replicas) {
        if (!replica.containerId.match(/^[0-9a-f]{12,64}$/)) continue; // static replicas live in pier
        await this.handle({ action: "start", containerId: replica.containerId, exitCode: null }, false);
      }
    }
  }

  private async handle(event: ContainerEvent, fromEvent = true): Promise<void> {
    const entry = servedBy(this.deps.serving.list(), event.containerId);
    if (!entry) return;
    const log = this.deps.logger;
    if (event.action === "die") {
      const replica = entry.replicas.find((r) => r.containerId === event.containerId)!;
      this.deps.serving.setUpstreams(
        entry.app,
        entry.env,
        entry.upstreams.filter((u) => u !== replica.upstream),
      );
      log.warn("a replica exited outside pier; it leaves the route until it is back", {
        app: entry.app,
        environment: entry.env,
        deployment: entry.deploymentId,
        container: event.containerId.slice(0, 12),
        exitCode: event.exitCode,
      });
      await this.publish();
      await this.deps.recordReplicaEvent(entry.deploymentId, { restarted: false, exitCode: event.exitCode });
      clearTimeout(this.downTimers.get(event.containerId));
      this.downTimers.set(
        event.containerId,
        setTimeout(() => {
          this.downTimers.delete(event.containerId);
          const now = servedBy(this.deps.serving.list(), event.containerId);
          if (now) this.deps.reportDown(now, event.exitCode);
        }, this.deps.downAfterMs ?? 15_000),
      );
      return;
    }
    if (event.action !== "start") return;
    let info: Awaited<ReturnType<Docker.Container["inspect"]>>;
    try {
      info = await this.deps.docker().getContainer(event.containerId).inspect();
    } catch {
      return;
    }
    const port = info.Config.Labels?.[labelKeys.port];
    const hostPort = port ? info.NetworkSettings.Ports?.[`${port}/tcp`]?.[0]?.HostPort : undefined;
    const replica = entry.replicas.find((r) => r.containerId === event.containerId)!;
    if (!info.State.Running || !hostPort) {
      if (!fromEvent)
        await this.handle({ action: "die", containerId: event.containerId, exitCode: info.State.ExitCode });
      return;
    }
    const upstream = `127.0.0.1:${hostPort}`;
    const wasRouted = entry.upstreams.includes(replica.upstream);
    if (upstream === replica.upstream && wasRouted) return;
    clearTimeout(this.downTimers.get(event.containerId));
    this.downTimers.delete(event.containerId);
    this.deps.serving.setUpstreams(entry.app, entry.env, [
      ...entry.upstreams.filter((u) => u !== replica.upstream),
      upstream,
    ]);
    replica.upstream = upstream;
    log.warn("a replica was restarted outside pier; routing to its new port", {
      app: entry.app,
      environment: entry.env,
      deployment: entry.deploymentId,
      container: event.containerId.slice(0, 12),
      upstream,
    });
    await this.publish();
    if (fromEvent)
      await this.deps.recordReplicaEvent(entry.deploymentId, { restarted: true, exitCode: null });
  }

  private async publish(): Promise<void> {
    await this.deps
      .publishRoutes()
      .catch((error) => this.deps.logger.warn("routes not republished after a replica changed", { error }));
  }
}
