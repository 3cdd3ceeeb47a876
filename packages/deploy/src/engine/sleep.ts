import type { Logger } from "@pier/core";
import type { AppRow, Stores } from "@pier/db";
import { DeployQueue } from "../deploy-queue.ts";
import type { HealthProbe } from "../health-check.ts";
import type { PierConfig } from "../pier-toml.ts";
import type { DrainMonitor, ReplicaRuntime } from "../ports.ts";
import { runRollout } from "../rollout.ts";
import type { DeployEngine } from "./engine.ts";
import { releaseMetaSchema } from "./release-source.ts";
import type { ServedEnvironment, ServingTable } from "./serving.ts";

/** The idle time after which an environment sleeps: previews take [preview], all [deploy]. Pure. */
export function sleepAfterOf(config: PierConfig, kind: "production" | "preview"): number | undefined {
  if (kind === "preview") return config.preview?.sleep_after ?? config.deploy.sleep_after;
  return config.deploy.sleep_after;
}

/** Whether an awake environment has been idle long enough to sleep. Pure. */
export function shouldSleep(input: {
  sleepAfterMs: number | undefined;
  /** Last request seen (or when it went live / woke), epoch ms. */
  lastActiveAt: number;
  now: number;
  busy: boolean;
  inFlight: number;
}): boolean {
  if (input.sleepAfterMs === undefined || input.busy || input.inFlight > 0) return false;
  return input.now - input.lastActiveAt >= input.sleepAfterMs;
}

export interface SleepDeps {
  stores: Stores;
  serving: ServingTable;
  runtime: ReplicaRuntime;
  engine: DeployEngine;
  logger: Logger;
  publishRoutes(): Promise<void>;
  /** Exchanges in flight to these upstreams (`host:port`); a WebSocket open keeps an app awake. */
  inFlight?(upstreams: string[]): Promise<number>;
  drain?: DrainMonitor;
  /** Last request to any route of the app (epoch ms), from the proxy's request records. */
  lastRequestAt?(appId: string): number | undefined;
  /**
   * Last request to any route whose RouteSpec id starts with this prefix, when the proxy reports
   * routes: an environment's routes are `deploy:<environmentId>:<host>`.
   */
  lastRouteRequestAt?(idPrefix: string): number | undefined;
  /** The health probe of a wake-up (tests); HTTP GET otherwise. */
  probe?: HealthProbe;
  now?: () => number;
}

const key = (app: string, env: string) => `${app}/${env}`;

/**
 * Sleeping environments ("scale to zero"): after `sleep_after` without requests the replicas of
 * an environment are stopped and removed, its route stays published as sleeping (no upstreams,
 * `sleeping: true`), and the database remembers it (environments.sleeping_since) so a restart
 * keeps it asleep. `wake` starts the current release again (start -> health check -> route swap,
 * like a deploy, with fast probes) and resolves once every proxy worker routes to it: what the
 * proxy awaits while it holds the first requests.
 */
export class SleepManager {
  private readonly awakeSince = new Map<string, number>();
  private readonly waking = new Map<string, Promise<void>>();
  private readonly configs = new Map<string, PierConfig | null>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private checking: Promise<void> | undefined;
  private stopped = false;
  private readonly now: () => number;

  constructor(private readonly deps: SleepDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Looks for idle environments every `everyMs`. */
  start(everyMs = 1000): void {
    // Again after a stop too: the primary role moves away and back.
    this.stopped = false;
    this.timer = setInterval(() => void this.check(), everyMs);
    this.timer.unref?.();
  }

  /**
   * Stops looking for idle environments and waits for a sleep in progress: pier may be stopping,
   * and one cut between the route swap and the database write would wake up live after a restart.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.checking;
  }

  /** An environment (re)started serving: its idle time counts from now. */
  markActive(app: string, env: string): void {
    this.awakeSince.set(key(app, env), this.now());
  }

  private async configOf(deploymentId: string): Promise<PierConfig | null> {
    if (!this.configs.has(deploymentId)) {
      const row = await this.deps.stores.deployments.findById(deploymentId);
      const meta = releaseMetaSchema.safeParse(row?.meta);
      this.configs.set(deploymentId, meta.success ? meta.data.config : null);
    }
    return this.configs.get(deploymentId) ?? null;
  }

  private lastActiveAt(entry: ServedEnvironment): number {
    const k = key(entry.app, entry.env);
    if (!this.awakeSince.has(k)) this.awakeSince.set(k, this.now());
    let last = this.awakeSince.get(k)!;
    // The environment's own routes when the proxy reports routes, so production traffic does not
    // keep an idle preview awake; else any request to the app.
    const byApp = this.deps.lastRouteRequestAt
      ? this.deps.lastRouteRequestAt(`deploy:${entry.environmentId}:`)
      : this.deps.lastRequestAt?.(entry.appId);
    if (byApp !== undefined) last = Math.max(last, byApp);
    return last;
  }

  check(): Promise<void> {
    if (this.checking || this.stopped) return this.checking ?? Promise.resolve();
    this.checking = this.checkAll().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private async checkAll(): Promise<void> {
    for (const entry of this.deps.serving.list()) {
      if (this.stopped) return;
      if (entry.sleeping || entry.replicas.length === 0) continue;
      const config = await this.configOf(entry.deploymentId);
      const sleepAfterMs = config ? sleepAfterOf(config, entry.kind) : undefined;
      if (sleepAfterMs === undefined) continue;
      const lastActiveAt = this.lastActiveAt(entry);
      const busy = this.deps.engine.isBusy(entry.app) || this.waking.has(key(entry.app, entry.env));
      if (!shouldSleep({ sleepAfterMs, lastActiveAt, now: this.now(), busy, inFlight: 0 })) continue;
      const inFlight = (await this.deps.inFlight?.(entry.upstreams).catch(() => 1)) ?? 0;
      if (inFlight > 0) continue;
      await this.sleep(entry.app, entry.env).catch((error) =>
        this.deps.logger.warn("environment not put to sleep", {
          app: entry.app,
          environment: entry.env,
          error,
        }),
      );
    }
  }

  /** Stops the environment's replicas and keeps its route as sleeping. */
  async sleep(app: string, env: string): Promise<boolean> {
    return this.deps.engine.exclusive(app, async () => {
      const entry = this.deps.serving.get(app, env);
      if (!entry || entry.sleeping || entry.replicas.length === 0) return false;
      const replicas = entry.replicas;
      const config = await this.configOf(entry.deploymentId);
      // The database first: whoever sees the environment sleeping (the API reads the served
      // state) then also finds since when.
      await this.deps.stores.environments.setSleeping(entry.environmentId, new Date(this.now()));
      entry.sleeping = true;
      entry.replicas = [];
      entry.upstreams = [];
      await this.deps.publishRoutes();
      const graceMs = config?.deploy.stop_timeout ?? 10_000;
      await Promise.all(
        replicas.map(async (r) => {
          await this.deps.runtime.stop(r.containerId, graceMs).catch(() => {});
          await this.deps.runtime.remove(r.containerId).catch(() => {});
        }),
      );
      this.deps.logger.info("environment asleep after being idle", {
        app,
        environment: env,
        deployment: entry.deploymentId,
        replicas: replicas.length,
      });
      return true;
    });
  }

  isSleeping(app: string, env: string): boolean {
    return this.deps.serving.get(app, env)?.sleeping === true;
  }

  /** Wakes the environment whose route the proxy matched (RouteSpec id `deploy:<environmentId>:<host>`). */
  async wakeRoute(routeId: string): Promise<boolean> {
    const environmentId = /^deploy:([^:]+):/.exec(routeId)?.[1];
    const entry = this.deps.serving.list().find((e) => e.environmentId === environmentId);
    if (!entry?.sleeping) return false;
    await this.wake(entry.app, entry.env);
    return true;
  }

  /** Starts a sleeping environment again; concurrent callers share one wake-up. */
  wake(app: string, env: string): Promise<void> {
    const k = key(app, env);
    const running = this.waking.get(k);
    if (running) return running;
    if (!this.isSleeping(app, env)) return Promise.resolve();
    const started = this.deps.engine
      .exclusive(app, () => this.startAgain(app, env))
      .finally(() => this.waking.delete(k));
    this.waking.set(k, started);
    return started;
  }

  private async startAgain(app: string, env: string): Promise<void> {
    const { stores } = this.deps;
    const entry = this.deps.serving.get(app, env);
    if (!entry?.sleeping) return;
    const began = performance.now();
    const appRow = (await stores.apps.findByName(app)) as AppRow | undefined;
    const environment = await stores.environments.findById(entry.environmentId);
    const deployment = await stores.deployments.findById(entry.deploymentId);
    const meta = releaseMetaSchema.safeParse(deployment?.meta);
    if (!appRow || !environment || !deployment?.image || !meta.success)
      throw new Error(`${app} (${env}) has no release to wake`);
    const config = meta.data.config;
    const envVars = await this.deps.engine.environmentEnv(appRow, environment, deployment.id);
    // The first visitor is waiting: probe often (the deploy's interval is for a calmer pace).
    const wakeConfig: PierConfig = {
      ...config,
      health: { ...config.health, interval: Math.min(config.health.interval, 50) },
    };
    const result = await runRollout(
      {
        runtime: this.deps.runtime,
        queue: new DeployQueue(),
        drain: this.deps.drain,
        probe: this.deps.probe,
        routes: {
          setAppUpstreams: async (appName, envName, upstreams) => {
            const now = this.deps.serving.get(appName, envName)!;
            now.sleeping = false;
            now.upstreamProtocol = config.deploy.upstream_protocol;
            now.upstreams = upstreams;
            await this.deps.publishRoutes();
          },
        },
      },
      {
        appId: app,
        env,
        deploymentId: deployment.id,
        image: deployment.image,
        config: wakeConfig,
        envVars,
        networks: await this.deps.engine.appNetworks(appRow),
        previous: [],
      },
    );
    entry.replicas = result.replicas.map((r) => ({ containerId: r.containerId, upstream: r.upstream }));
    await stores.environments.setSleeping(environment.id, null);
    this.markActive(app, env);
    this.deps.logger.info("environment woken", {
      app,
      environment: env,
      deployment: deployment.id,
      ms: Math.round(performance.now() - began),
    });
  }
}
