import type { Logger } from "@pier/core";
import type { Stores } from "@pier/db";
import type { NotificationEvent } from "@pier/notify";
import { type HealthProbe, probeFor, waitForHealthy } from "../health-check.ts";
import type { PierConfig } from "../pier-toml.ts";
import type { DrainMonitor, ReplicaRuntime } from "../ports.ts";
import { isStaticReplicaId } from "../static/static-replicas.ts";
import type { DeployEngine } from "./engine.ts";
import { releaseMetaSchema } from "./release-source.ts";
import type { ServedEnvironment, ServedReplica, ServingTable } from "./serving.ts";

/** Wait before the n-th replacement in a row (n >= 1): 0, then 30 s doubling up to 10 minutes. Pure. */
export function replacementBackoffMs(replacementsInARow: number): number {
  if (replacementsInARow <= 0) return 0;
  return Math.min(30_000 * 2 ** (replacementsInARow - 1), 10 * 60_000);
}

export interface LivenessDeps {
  stores: Stores;
  serving: ServingTable;
  runtime: ReplicaRuntime;
  engine: DeployEngine;
  logger: Logger;
  publishRoutes(): Promise<void>;
  drain?: DrainMonitor;
  notify(event: NotificationEvent): void;
  probe?: HealthProbe;
  now?: () => number;
}

interface ReplicaState {
  failures: number;
  nextProbeAt: number;
  lastDetail: string;
}

interface EnvironmentState {
  replacementsInARow: number;
  notBefore: number;
  lastReplacedAt: number;
  /** Replica numbers of replacements: containers are named by deployment and number. */
  nextReplica: number;
}

/**
 * Liveness: keeps probing `[health] path` of every live replica after the deploy (every
 * `liveness_interval`); after `liveness_failures` failures in a row the replica is replaced like a
 * one-replica deploy: a new one starts and passes its health check, joins the route (the others
 * keep serving all along), then the bad one drains and is removed. Replacements in a row back off
 * (30 s doubling up to 10 min) and, from the second one, are reported (`replica.unhealthy`).
 * Replicas that exited are the replica watch's (Docker events) and are not probed here.
 */
export class LivenessWatch {
  private readonly replicas = new Map<string, ReplicaState>();
  private readonly environments = new Map<string, EnvironmentState>();
  private readonly configs = new Map<string, PierConfig | null>();
  private readonly replacing = new Set<string>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private checking = false;
  private readonly now: () => number;

  constructor(private readonly deps: LivenessDeps) {
    this.now = deps.now ?? Date.now;
  }

  start(everyMs = 500): void {
    this.timer = setInterval(() => void this.check(), everyMs);
    this.timer.unref?.();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async configOf(deploymentId: string): Promise<PierConfig | null> {
    if (!this.configs.has(deploymentId)) {
      const row = await this.deps.stores.deployments.findById(deploymentId);
      const meta = releaseMetaSchema.safeParse(row?.meta);
      this.configs.set(deploymentId, meta.success && meta.data.kind === "image" ? meta.data.config : null);
    }
    return this.configs.get(deploymentId) ?? null;
  }

  async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const now = this.now();
      const probes: Promise<void>[] = [];
      for (const entry of this.deps.serving.list()) {
        if (entry.sleeping || entry.replicas.length === 0 || this.deps.engine.isBusy(entry.app)) continue;
        const config = await this.configOf(entry.deploymentId);
        if (!config?.health.liveness) continue;
        for (const replica of entry.replicas) {
          // Down (the replica watch took it out of the route) or served by pier itself: not ours.
          if (isStaticReplicaId(replica.containerId) || !entry.upstreams.includes(replica.upstream)) continue;
          const state = this.replicas.get(replica.containerId) ?? {
            failures: 0,
            nextProbeAt: now + config.health.liveness_interval,
            lastDetail: "",
          };
          this.replicas.set(replica.containerId, state);
          if (state.nextProbeAt > now) continue;
          state.nextProbeAt = now + config.health.liveness_interval;
          probes.push(this.probeOne(entry, replica, state, config));
        }
      }
      await Promise.all(probes);
    } finally {
      this.checking = false;
    }
  }

  private async probeOne(
    entry: ServedEnvironment,
    replica: ServedReplica,
    state: ReplicaState,
    config: PierConfig,
  ): Promise<void> {
    const result = await probeFor(config.deploy.upstream_protocol, this.deps.probe)(
      `http://${replica.upstream}${config.health.path}`,
      config.health.timeout,
    );
    if (result.healthy) {
      state.failures = 0;
      const env = this.environments.get(entry.environmentId);
      // Healthy for a whole back-off window after the last replacement: the streak is over.
      if (env && this.now() - env.lastReplacedAt > replacementBackoffMs(env.replacementsInARow + 1))
        env.replacementsInARow = 0;
      return;
    }
    state.failures++;
    state.lastDetail = result.detail;
    if (state.failures < config.health.liveness_failures) return;
    const env = this.environmentState(entry, config);
    if (this.replacing.has(entry.environmentId) || env.notBefore > this.now()) return;
    this.replacing.add(entry.environmentId);
    void this.replace(entry.app, entry.env, replica.containerId, state, config, env).finally(() =>
      this.replacing.delete(entry.environmentId),
    );
  }

  private environmentState(entry: ServedEnvironment, config: PierConfig): EnvironmentState {
    let env = this.environments.get(entry.environmentId);
    if (!env) {
      env = {
        replacementsInARow: 0,
        notBefore: 0,
        lastReplacedAt: 0,
        nextReplica: config.deploy.replicas + 1,
      };
      this.environments.set(entry.environmentId, env);
    }
    return env;
  }

  private async replace(
    app: string,
    envName: string,
    containerId: string,
    state: ReplicaState,
    config: PierConfig,
    env: EnvironmentState,
  ): Promise<void> {
    const log = this.deps.logger;
    await this.deps.engine.exclusive(app, async () => {
      const entry = this.deps.serving.get(app, envName);
      const bad = entry?.replicas.find((r) => r.containerId === containerId);
      if (!entry || !bad || entry.sleeping) return;
      env.replacementsInARow++;
      env.lastReplacedAt = this.now();
      env.notBefore = this.now() + replacementBackoffMs(env.replacementsInARow);
      log.warn("a replica failed its liveness checks; replacing it", {
        app,
        environment: envName,
        deployment: entry.deploymentId,
        container: containerId.slice(0, 12),
        failures: state.failures,
        reason: state.lastDetail,
        replacementsInARow: env.replacementsInARow,
      });
      if (env.replacementsInARow >= 2) {
        this.deps.notify({
          kind: "replica.unhealthy",
          app,
          environment: envName,
          deploymentId: entry.deploymentId,
          reason: state.lastDetail,
          replacements: env.replacementsInARow - 1,
          retrying: true,
        });
      }
      const { stores } = this.deps;
      const appRow = await stores.apps.findByName(app);
      const environment = await stores.environments.findById(entry.environmentId);
      const deployment = await stores.deployments.findById(entry.deploymentId);
      if (!appRow || !environment || !deployment?.image) return;
      const envVars = await this.deps.engine.environmentEnv(appRow, environment, deployment.id);
      const started = await this.deps.runtime.start({
        app,
        env: envName,
        deploymentId: deployment.id,
        replica: env.nextReplica++,
        image: deployment.image,
        port: config.deploy.port,
        envVars: { ...config.env, ...envVars },
        memoryBytes: config.resources.memory,
        cpus: config.resources.cpus,
        pidsLimit: config.resources.pids,
        user: config.deploy.user,
        readOnly: config.deploy.read_only,
        networks: await this.deps.engine.appNetworks(appRow),
        volumes: config.volumes,
      });
      const outcome = await waitForHealthy({
        url: `http://${started.upstream}${config.health.path}`,
        intervalMs: Math.min(config.health.interval, 200),
        probeTimeoutMs: config.health.timeout,
        deadlineMs: config.deploy.timeout,
        probe: probeFor(config.deploy.upstream_protocol, this.deps.probe),
        state: () => this.deps.runtime.state(started.containerId),
      });
      if (!outcome.healthy) {
        log.error("the replacement replica is not healthy either; keeping the old one", {
          app,
          environment: envName,
          reason: outcome.detail,
        });
        await this.deps.runtime.remove(started.containerId).catch(() => {});
        return;
      }
      entry.replicas = [
        ...entry.replicas.filter((r) => r.containerId !== containerId),
        { containerId: started.containerId, upstream: started.upstream },
      ];
      entry.upstreams = [...entry.upstreams.filter((u) => u !== bad.upstream), started.upstream];
      await this.deps.publishRoutes();
      this.replicas.delete(containerId);
      if (this.deps.drain) await this.deps.drain.waitForIdle([bad.upstream], config.deploy.drain_timeout);
      await this.deps.runtime.stop(containerId, config.deploy.stop_timeout).catch(() => {});
      await this.deps.runtime.remove(containerId).catch(() => {});
      await stores.deployments.update(deployment.id, {
        meta: {
          ...deployment.meta,
          replacements: Number(deployment.meta.replacements ?? 0) + 1,
          lastReplacedAt: new Date().toISOString(),
        },
      });
      log.info("unhealthy replica replaced", {
        app,
        environment: envName,
        old: containerId.slice(0, 12),
        new: started.containerId.slice(0, 12),
      });
    });
  }
}
