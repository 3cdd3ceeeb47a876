import { rm } from "node:fs/promises";
import { join } from "node:path";
import { ConflictError, type Logger, newId } from "@pier/core";
import type { AppRow, DeploymentRow, EnvironmentRow, Stores } from "@pier/db";
import type { RouteConflict } from "@pier/proxy";
import type { SecretBox } from "@pier/secrets";
import type Docker from "dockerode";
import type { PublishImage } from "../build-release.ts";
import { DeployQueue } from "../deploy-queue.ts";
import { type OneOffKind, type OneOffResult, type OneOffSpec, runOneOff } from "../docker/one-off.ts";
import { DeployError, DeployFailedError, ImageBuildError } from "../errors.ts";
import { readCommit } from "../git-history.ts";
import type { DrainMonitor, ReplicaRuntime } from "../ports.ts";
import { runRollout } from "../rollout.ts";
import type { BaseImages } from "../settings.ts";
import type { DeployLog, DeployLogs } from "./deploy-log.ts";
import { envVersions, resolveEnvVars } from "./env-vars.ts";
import { previewOwnerConflict, type TargetEnvironment } from "./environments.ts";
import { pruneReleaseImages } from "./release-images.ts";
import { type DeploySource, obtainRelease, type Release, releaseMetaSchema } from "./release-source.ts";
import { lostOwnRoutes, type ServedReplica, type ServingTable, servedEnvironment } from "./serving.ts";

export interface DeployEngineDeps {
  stores: Stores;
  secretBox: SecretBox;
  logger: Logger;
  dataDir: string;
  baseImages: BaseImages;
  docker: () => Docker;
  /** This pier's label on what it builds (see loadOrCreateInstanceId). */
  instance?: string;
  runtime: ReplicaRuntime;
  serving: ServingTable;
  logs: DeployLogs;
  /**
   * Republishes every route; resolves once all proxy workers acknowledged, with the routes the
   * proxy left out because another route claims their host (none without a proxy).
   */
  publishRoutes(): Promise<{ conflicts: RouteConflict[] } | undefined> | Promise<void>;
  liveUrl(host: string): string;
  hooks?: DeployHooks;
  /** Ends the drain of old replicas once the proxy has nothing in flight to them. */
  drain?: DrainMonitor;
  /** Where a release's image must go before its replicas start (a cluster: see cluster-link.ts). */
  publisher?(
    app: string,
    deploymentId: string,
    say: (line: string) => void,
  ): Promise<PublishImage | undefined>;
}

/** What other subsystems add to a deploy: their env vars, and reactions to its outcome. */
export interface DeployHooks {
  /** Platform-provided env (Sentry DSN, AI gateway key…); values the app set itself win. */
  platformEnv(input: DeployHookInput): Promise<Record<string, string>>;
  /** Called once a deploy ended; must not throw (outcome handlers are best effort). */
  outcome(input: DeployHookInput & { deployment: DeploymentRow }): void;
  /** Docker networks the app's containers join (linked services). */
  networks?(app: AppRow): Promise<string[]>;
}

export interface DeployHookInput {
  app: AppRow;
  environment: EnvironmentRow;
  deploymentId: string;
  url: string;
  /** `[preview] database` of the release: what a preview's linked databases are. */
  previewDatabase?: "shared" | "empty" | "copy";
}

/** Who asked for a deploy: an email, a token's name; what the dashboard shows as "by". */
export interface StartOptions {
  actor?: string | null;
}

/** A deployment's status changed (the dashboard's live view listens). */
export interface DeploymentChange {
  id: string;
  app: string;
  environment: string;
  status: DeploymentRow["status"];
}

/** What a cancel request met: a running deploy now stopping, or why it cannot be stopped. */
export type CancelOutcome = "cancelling" | "not_running" | "switching";

/** How long each step of a deploy took, in `deployments.meta.timings`. */
export interface DeployTimings {
  queuedMs?: number;
  buildMs?: number;
  releaseCommandMs?: number;
  startMs?: number;
  healthMs?: number;
  switchMs?: number;
  drainMs?: number;
  totalMs?: number;
}

interface RunningDeployment {
  app: string;
  abort: AbortController;
  /** Set once the route swap began: from then on the deploy finishes. */
  switching: boolean;
  /** The app was deleted while this ran: it ends cancelled, whatever step it reached. */
  appDeleted: boolean;
}

/** The error of a deploy whose app was deleted under it. */
export const appDeletedError = "app deleted during deploy";

export interface StartedDeploy {
  deployment: DeploymentRow;
  /** The live log; followers get the lines written so far, then new ones. */
  log: DeployLog;
  /** Settles with the final row (live or failed); never rejects. */
  done: Promise<DeploymentRow>;
}

/** Same retention as images (deployDefaults.keepReleases). */
const keepStaticReleases = 5;

const activeStatuses = new Set(["queued", "building", "starting"]);
export const isActiveStatus = (status: string) => activeStatuses.has(status);

/**
 * Turns a source into a live release of one environment: record -> build -> rollout -> record.
 * Deploys of one app run one at a time, builds included (two builds of one app would race for
 * the same routes and the second would drain the first).
 */
export class DeployEngine {
  private readonly appQueue = new DeployQueue();
  // runRollout serialises on its own queue too; a private one keeps it from touching the global.
  private readonly rolloutQueue = new DeployQueue();
  private readonly running = new Set<Promise<unknown>>();
  private readonly inFlight = new Map<string, RunningDeployment>();
  private liveListeners: ((app: string, env: string) => void)[] = [];
  private readonly changeListeners = new Set<(change: DeploymentChange) => void>();

  constructor(private readonly deps: DeployEngineDeps) {}

  async start(
    app: AppRow,
    target: TargetEnvironment,
    source: DeploySource,
    options: StartOptions = {},
  ): Promise<StartedDeploy> {
    const { stores } = this.deps;
    const environment = await stores.environments.ensure({ id: newId("env"), appId: app.id, ...target });
    const notOwned = previewOwnerConflict(environment, target);
    if (notOwned) throw new ConflictError(notOwned);
    const from = source.kind === "release" ? source.from : null;
    const commit =
      source.kind === "git" ? await readCommit(source.gitDir, source.commitSha, source.objectEnv) : null;
    const deployment = await stores.deployments.create({
      id: newId("dep"),
      appId: app.id,
      environmentId: environment.id,
      status: "queued",
      source:
        source.kind === "release" ? (source.reason === "rollback" ? "rollback" : from!.source) : source.kind,
      branch:
        source.kind === "git"
          ? source.branch
          : source.kind === "upload"
            ? source.branch
            : (from?.branch ?? null),
      commitSha: source.kind === "git" ? source.commitSha : (from?.commitSha ?? null),
      image: source.kind === "image" ? source.image : null,
      meta: {
        ...(from
          ? { ...releaseFields(from.meta), basedOn: from.id, trigger: (source as { reason: string }).reason }
          : {}),
        ...(commit ? { commitAuthor: commit.author, commitMessage: commit.subject } : {}),
        ...(options.actor ? { actor: options.actor } : {}),
      },
    });
    this.changed(deployment, app.name, environment.name);
    const log = this.deps.logs.open(deployment.id);
    const abort = new AbortController();
    this.inFlight.set(deployment.id, { app: app.name, abort, switching: false, appDeleted: false });
    if (this.appQueue.isBusy(app.name)) log.line(`Queued behind the running deploy of ${app.name}`);
    const done = this.appQueue
      .run(app.name, () => this.execute(app, environment, deployment, source, log))
      .catch(async (error: Error) => {
        this.deps.logger.error("deploy crashed", { deployment: deployment.id, error });
        return this.finishFailed(deployment.id, log, error.message, []);
      })
      .then((final) => {
        const url = this.deps.liveUrl(environment.host ?? app.name);
        this.deps.hooks?.outcome({ app, environment, deploymentId: deployment.id, url, deployment: final });
        return final;
      })
      .finally(() => {
        this.inFlight.delete(deployment.id);
        if (source.kind === "upload") rm(source.tarPath, { force: true }).catch(() => {});
      });
    this.running.add(done);
    done.finally(() => this.running.delete(done));
    return { deployment, log, done };
  }

  /**
   * Stops a deploy that has not begun to switch traffic: a queued one never starts, a build is
   * abandoned (the Engine stops building when its client goes), new replicas are removed. The old
   * release keeps serving; the deployment ends as "cancelled".
   */
  cancel(deploymentId: string): CancelOutcome {
    const running = this.inFlight.get(deploymentId);
    if (!running) return "not_running";
    if (running.switching) return "switching";
    running.abort.abort();
    return "cancelling";
  }

  /**
   * The app was deleted: its running and queued deploys end cancelled instead of going live at a
   * host nothing routes any more. One already switching finishes its swap but is not reported live
   * either; the deletion's cleanup, queued behind it, removes its replicas.
   */
  cancelForDeletedApp(app: string): void {
    for (const running of this.inFlight.values()) {
      if (running.app !== app) continue;
      running.appDeleted = true;
      if (!running.switching) running.abort.abort();
    }
  }

  /** Every status change of every deployment, until the returned function is called. */
  onChange(listener: (change: DeploymentChange) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  private changed(row: DeploymentRow | undefined, app: string, environment: string): void {
    if (!row) return;
    const change = { id: row.id, app, environment, status: row.status };
    for (const listener of this.changeListeners) listener(change);
  }

  /** A status change, recorded and announced. */
  private async setStatus(
    app: AppRow,
    environment: EnvironmentRow,
    id: string,
    patch: Parameters<Stores["deployments"]["update"]>[1],
  ): Promise<DeploymentRow | undefined> {
    const row = await this.deps.stores.deployments.update(id, patch);
    this.changed(row, app.name, environment.name);
    return row;
  }

  /** Runs `task` in the app's deploy slot, after any running deploy of that app. */
  exclusive<T>(app: string, task: () => Promise<T>): Promise<T> {
    return this.appQueue.run(app, task);
  }

  /** Called whenever a release of an environment goes live (sleep counts idle time from then). */
  onLive(listener: (app: string, env: string) => void): void {
    this.liveListeners.push(listener);
  }

  /** Docker networks an app's containers join (its linked services). */
  async appNetworks(app: AppRow): Promise<string[]> {
    return (await this.deps.hooks?.networks?.(app)) ?? [];
  }

  isBusy(app: string): boolean {
    return this.appQueue.isBusy(app);
  }

  /** Waits for running deploys (used on shutdown and by tests). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }

  private async execute(
    app: AppRow,
    environment: EnvironmentRow,
    deployment: DeploymentRow,
    source: DeploySource,
    log: DeployLog,
  ): Promise<DeploymentRow> {
    const { stores } = this.deps;
    const say = (line: string) => log.line(line);
    const running = this.inFlight.get(deployment.id);
    const signal = running?.abort.signal;
    const timings: DeployTimings = { queuedMs: Date.now() - deployment.createdAt.getTime() };
    const began = performance.now();
    let stepStart = began;
    const endStep = (step: keyof DeployTimings) => {
      const now = performance.now();
      timings[step] = Math.round(now - stepStart);
      stepStart = now;
    };
    const cancelled = () => this.finishCancelled(app, environment, deployment, log, timings);
    if (signal?.aborted) return cancelled();
    await this.setStatus(app, environment, deployment.id, { status: "building" });
    say(`Deploying ${app.name} (${environment.name}) as ${deployment.id}`);

    let release: Release;
    try {
      release = await obtainRelease(source, {
        dataDir: this.deps.dataDir,
        app: app.name,
        deploymentId: deployment.id,
        docker: this.deps.docker,
        baseImages: this.deps.baseImages,
        instance: this.deps.instance,
        say: (line) => say(`       ${line}`),
        signal,
        publish: await this.deps.publisher?.(app.name, deployment.id, (line) => say(`       ${line}`)),
      });
    } catch (error) {
      if (signal?.aborted) return cancelled();
      const tail = error instanceof ImageBuildError ? error.logTail : [];
      return this.finishFailed(
        deployment.id,
        log,
        `Build failed: ${describe(error)}`,
        tail,
        false,
        app,
        environment,
      );
    }
    endStep("buildMs");
    if (signal?.aborted) return cancelled();
    await this.setStatus(app, environment, deployment.id, {
      status: "starting",
      image: release.image,
      meta: { ...deployment.meta, ...release.meta, timings },
    });

    const served = this.deps.serving.get(app.name, environment.name);
    const previous: ServedReplica[] = served?.replicas ?? [];
    const previousDeploymentId = served?.deploymentId ?? null;
    if (!served) {
      this.deps.serving.set(servedEnvironment(app, environment, deployment.id, []));
    }
    const host = environment.host ?? app.name;
    try {
      const envVars = await this.environmentEnv(app, environment, deployment.id, release.meta.config);
      const envVersionsUsed = envVersions(await stores.envVars.listForApp(app.id), environment.name);
      const networks = (await this.deps.hooks?.networks?.(app)) ?? [];
      const releaseCommand = release.meta.config.deploy.release_command;
      if (releaseCommand && (source.kind !== "release" || source.runReleaseCommand)) {
        if (release.meta.kind === "static") say("-----> Static sites have no release command; skipped");
        else {
          await this.runReleaseCommand(
            app,
            environment,
            deployment.id,
            release,
            envVars,
            say,
            networks,
            signal,
          );
          endStep("releaseCommandMs");
        }
      }
      if (signal?.aborted) throw new DeployFailedError("DEPLOY_CANCELLED", "deploy cancelled", []);
      const result = await runRollout(
        {
          runtime: this.deps.runtime,
          queue: this.rolloutQueue,
          drain: this.deps.drain,
          routes: {
            setAppUpstreams: async (appName, envName, upstreams) => {
              // The swap is the point of no return: a cancel arriving after the last check is refused.
              if (running) {
                if (signal?.aborted) throw new DeployFailedError("DEPLOY_CANCELLED", "deploy cancelled", []);
                running.switching = true;
              }
              const entry = this.deps.serving.get(appName, envName);
              const before = entry && {
                upstreams: entry.upstreams,
                upstreamProtocol: entry.upstreamProtocol,
              };
              // The new release's protocol goes live with its replicas, in the same publish.
              if (entry) entry.upstreamProtocol = release.meta.config.deploy.upstream_protocol;
              this.deps.serving.setUpstreams(appName, envName, upstreams);
              try {
                const published = await this.deps.publishRoutes();
                await this.refuseLostRoutes(app, environment, published ? published.conflicts : []);
              } catch (error) {
                // Routes that did not go live leave the serving table as they were: kept, they
                // would be in every later publish (and fail it) long after this deploy ended.
                if (entry && before) Object.assign(entry, before);
                await this.deps.publishRoutes().catch(() => {});
                throw error;
              }
            },
          },
        },
        {
          appId: app.name,
          env: environment.name,
          deploymentId: deployment.id,
          image: release.image,
          config: release.meta.config,
          envVars,
          previous,
          networks,
          onProgress: (line) => say(`-----> ${line}`),
          signal,
        },
      );
      Object.assign(timings, result.phases);
      if (running?.appDeleted) return cancelled();
      timings.totalMs = timings.queuedMs! + Math.round(performance.now() - began);
      const entry = this.deps.serving.get(app.name, environment.name)!;
      entry.deploymentId = deployment.id;
      entry.replicas = result.replicas.map((r) => ({ containerId: r.containerId, upstream: r.upstream }));
      // A deploy to a sleeping environment wakes it.
      if (entry.sleeping || environment.sleepingSince) {
        entry.sleeping = false;
        await stores.environments.setSleeping(environment.id, null);
      }
      for (const listener of this.liveListeners) listener(app.name, environment.name);
      await stores.environments.setCurrent(environment.id, deployment.id);
      const live = await this.setStatus(app, environment, deployment.id, {
        status: "live",
        finishedAt: new Date(),
        meta: {
          ...deployment.meta,
          ...release.meta,
          replicas: entry.replicas,
          url: this.deps.liveUrl(host),
          switchedAfterMs: result.switchedAfterMs,
          timings,
          envVersions: envVersionsUsed,
          ...(previousDeploymentId && previousDeploymentId !== deployment.id
            ? { replaced: previousDeploymentId }
            : {}),
        },
      });
      if (previousDeploymentId && previousDeploymentId !== deployment.id) {
        const replaced =
          source.kind === "release" && source.reason === "rollback" ? "rolled_back" : "superseded";
        await this.setStatus(app, environment, previousDeploymentId, { status: replaced });
      }
      // Only now: a deploy whose app was deleted while its routes switched ended cancelled above.
      say(`-----> Live at ${this.deps.liveUrl(host)}`);
      this.deps.logs.close(deployment.id, { status: "live", error: null });
      result.retired.then(async (drainMs) => {
        if (drainMs !== null) await this.recordTiming(deployment.id, { drainMs });
        await this.afterLive(app, release);
      });
      return live!;
    } catch (error) {
      const entry = this.deps.serving.get(app.name, environment.name);
      if (entry && entry.upstreams.length === 0) this.deps.serving.delete(app.name, environment.name);
      if (signal?.aborted && !running?.switching) return cancelled();
      if (error instanceof DeployFailedError) {
        return this.finishFailed(deployment.id, log, error.message, error.logTail, true, app, environment);
      }
      return this.finishFailed(
        deployment.id,
        log,
        `Deploy failed: ${describe(error)}`,
        [],
        false,
        app,
        environment,
      );
    }
  }

  /** Throws when a publish left out this environment's own host because another route holds it. */
  private async refuseLostRoutes(app: AppRow, environment: EnvironmentRow, conflicts: RouteConflict[]) {
    if (conflicts.length === 0) return;
    const domains = (await this.deps.stores.domains.listForApp(app.id)).map((d) => d.host);
    const [lost] = lostOwnRoutes(conflicts, environment.id, domains);
    if (!lost) return;
    const owner = lost.kept.appId ? await this.deps.stores.apps.findById(lost.kept.appId) : undefined;
    throw new DeployFailedError(
      "ROUTE_SWAP_FAILED",
      owner
        ? `${lost.host} is a custom domain of ${owner.name}: remove it there (pier domains remove ${lost.host} --app ${owner.name}) and deploy again`
        : `${lost.host} is served by the route ${lost.kept.id} already: remove that route and deploy again`,
    );
  }

  /**
   * The env of an environment's containers: what the platform injects (Sentry, AI gateway, linked
   * services), then the app's own variables, which win.
   */
  async environmentEnv(
    app: AppRow,
    environment: EnvironmentRow,
    deploymentId: string,
    config?: Release["meta"]["config"],
  ): Promise<Record<string, string>> {
    const platformEnv = await this.deps.hooks?.platformEnv({
      app,
      environment,
      deploymentId,
      url: this.deps.liveUrl(environment.host ?? app.name),
      previewDatabase: config?.preview.database,
    });
    return {
      ...platformEnv,
      ...(await resolveEnvVars(this.deps.stores, this.deps.secretBox, app.id, environment.name)),
    };
  }

  /**
   * `[deploy] release_command`: once per deploy, in a one-off container of the new image, before
   * any replica starts. A failure throws DeployFailedError: nothing was touched, the old release
   * keeps serving.
   */
  private async runReleaseCommand(
    app: AppRow,
    environment: EnvironmentRow,
    deploymentId: string,
    release: Release,
    envVars: Record<string, string>,
    say: (line: string) => void,
    networks: string[],
    signal?: AbortSignal,
  ): Promise<void> {
    const { config } = release.meta;
    const command = config.deploy.release_command!;
    const shown = typeof command === "string" ? command : command.join(" ");
    say(`-----> Running release command: ${shown}`);
    const result = await runOneOff(
      this.deps.docker(),
      this.oneOffFor(
        app.name,
        environment.name,
        deploymentId,
        release.image,
        config,
        envVars,
        "release",
        command,
        networks,
      ),
      {
        instance: this.deps.instance,
        timeoutMs: config.deploy.release_timeout,
        onLine: (line) => say(`       ${line}`),
        signal,
      },
    );
    if (result.exitCode === 0 && !result.timedOut) {
      say(`-----> Release command finished in ${(result.durationMs / 1000).toFixed(1)}s`);
      return;
    }
    const why = result.timedOut
      ? `did not finish within ${config.deploy.release_timeout / 1000}s`
      : `exited with code ${result.exitCode}`;
    const message = `release command ${why}`;
    say(`-----> Deploy failed: ${message}`);
    say("-----> No replica was started; the previous release keeps serving");
    throw new DeployFailedError("RELEASE_COMMAND_FAILED", message, result.tail);
  }

  private oneOffFor(
    app: string,
    env: string,
    deploymentId: string,
    image: string,
    config: Release["meta"]["config"],
    envVars: Record<string, string>,
    kind: OneOffKind,
    command: string | string[],
    networks: string[] = [],
  ): OneOffSpec {
    return {
      kind,
      command,
      app,
      env,
      deploymentId,
      image,
      port: config.deploy.port,
      envVars: { ...config.env, ...envVars },
      memoryBytes: config.resources.memory,
      cpus: config.resources.cpus,
      pidsLimit: config.resources.pids,
      user: config.deploy.user,
      readOnly: config.deploy.read_only,
      networks,
      volumes: config.volumes,
    };
  }

  /**
   * A one-off container of an environment's current release, with the env its replicas get:
   * for `pier run` and cron jobs. Throws ConflictError when nothing was deployed there, or the
   * release is a static site (no container to run a command in).
   */
  async oneOffSpec(
    app: AppRow,
    environmentName: string,
    kind: OneOffKind,
    command: string | string[],
  ): Promise<OneOffSpec> {
    const { stores } = this.deps;
    const environment = await stores.environments.findByName(app.id, environmentName);
    const current = environment?.currentDeploymentId
      ? await stores.deployments.findById(environment.currentDeploymentId)
      : undefined;
    if (!environment || !current?.image)
      throw new ConflictError(`${app.name} has no live release in ${environmentName}: deploy it first.`);
    const meta = releaseMetaSchema.parse(current.meta);
    if (meta.kind === "static")
      throw new ConflictError(`${app.name} is a static site: there is no container to run commands in.`);
    const envVars = await this.environmentEnv(app, environment, current.id, meta.config);
    const networks = (await this.deps.hooks?.networks?.(app)) ?? [];
    return this.oneOffFor(
      app.name,
      environment.name,
      current.id,
      current.image,
      meta.config,
      envVars,
      kind,
      command,
      networks,
    );
  }

  /** Runs a command to its end in a one-off container of the current release (cron jobs). */
  async runOneOff(
    app: AppRow,
    environmentName: string,
    kind: OneOffKind,
    command: string | string[],
    options: { timeoutMs: number; onLine?: (line: string) => void; signal?: AbortSignal },
  ): Promise<OneOffResult & { deploymentId: string }> {
    const spec = await this.oneOffSpec(app, environmentName, kind, command);
    const result = await runOneOff(this.deps.docker(), spec, { instance: this.deps.instance, ...options });
    return { ...result, deploymentId: spec.deploymentId };
  }

  private async afterLive(app: AppRow, release: Release): Promise<void> {
    if (release.meta.kind === "static") {
      await this.pruneStaticReleases(app).catch((error) =>
        this.deps.logger.warn("could not prune old static releases", { app: app.name, error }),
      );
      return;
    }
    try {
      const removed = await pruneReleaseImages(this.deps, app);
      if (removed.length) this.deps.logger.info("pruned old releases", { app: app.name, removed });
    } catch (error) {
      this.deps.logger.warn("could not prune old releases", { app: app.name, error });
    }
  }

  /** Static releases are directories: keep the newest ones (rollback targets) and every current one. */
  private async pruneStaticReleases(app: AppRow): Promise<void> {
    const { stores } = this.deps;
    const history = await stores.deployments.listForApp(app.id, 500);
    const current = new Set((await stores.environments.listForApp(app.id)).map((e) => e.currentDeploymentId));
    const dirOf = (d: DeploymentRow) => (d.meta as { staticDir?: string }).staticDir;
    const keep = new Set<string>();
    const released = history.filter((d) => dirOf(d) && d.status !== "failed");
    for (const d of released.slice(0, keepStaticReleases)) keep.add(dirOf(d)!);
    for (const d of history) if (current.has(d.id) && dirOf(d)) keep.add(dirOf(d)!);
    const root = join(this.deps.dataDir, "static");
    for (const d of history) {
      const dir = dirOf(d);
      if (!dir || keep.has(dir) || !dir.startsWith(`${root}/`)) continue;
      await rm(dir, { recursive: true, force: true });
    }
  }

  private async finishFailed(
    deploymentId: string,
    log: DeployLog,
    message: string,
    logTail: string[],
    alreadyPrinted = false,
    app?: AppRow,
    environment?: EnvironmentRow,
  ): Promise<DeploymentRow> {
    if (!alreadyPrinted) {
      log.line(`-----> ${message}`);
      for (const line of logTail) log.line(`  | ${line}`);
    }
    const row = await this.deps.stores.deployments.findById(deploymentId);
    const updated = await this.deps.stores.deployments.update(deploymentId, {
      status: "failed",
      error: message.replace(/^(Deploy failed|Build failed): /, ""),
      finishedAt: new Date(),
      meta: { ...(row?.meta ?? {}), logTail },
    });
    if (app && environment) this.changed(updated, app.name, environment.name);
    this.deps.logs.close(deploymentId, { status: "failed", error: updated?.error ?? message });
    return updated!;
  }

  private async finishCancelled(
    app: AppRow,
    environment: EnvironmentRow,
    deployment: DeploymentRow,
    log: DeployLog,
    timings: DeployTimings,
  ): Promise<DeploymentRow> {
    const appDeleted = this.inFlight.get(deployment.id)?.appDeleted === true;
    const error = appDeleted ? appDeletedError : "cancelled";
    log.line(
      appDeleted
        ? `-----> Deploy cancelled: ${app.name} was deleted during the deploy; its replicas are removed`
        : "-----> Deploy cancelled: nothing was switched, the previous release keeps serving",
    );
    const row = await this.deps.stores.deployments.findById(deployment.id);
    const patch = {
      status: "cancelled" as const,
      error,
      finishedAt: new Date(),
      meta: { ...(row?.meta ?? deployment.meta), timings },
    };
    const updated = await this.setStatus(app, environment, deployment.id, patch);
    this.deps.logs.close(deployment.id, { status: "cancelled", error });
    // A deleted app's deployments went with it: the outcome is still reported, from what was known.
    return updated ?? { ...deployment, ...patch };
  }

  /** Adds step timings measured after the deployment row was finished (the drain of the old release). */
  private async recordTiming(deploymentId: string, more: DeployTimings): Promise<void> {
    const row = await this.deps.stores.deployments.findById(deploymentId).catch(() => undefined);
    if (!row) return;
    const timings = { ...(row.meta.timings as DeployTimings | undefined), ...more };
    await this.deps.stores.deployments
      .update(deploymentId, { meta: { ...row.meta, timings } })
      .catch(() => {});
  }
}

function describe(error: unknown): string {
  const err = error as Error & { code?: string; address?: string };
  if (err.code === "ENOENT" && /docker\.sock/.test(err.message ?? "")) {
    return "the Docker Engine is not reachable (/var/run/docker.sock): start dockerd or set DOCKER_HOST";
  }
  if (err.code === "ECONNREFUSED" && !(error instanceof DeployError)) {
    return `the Docker Engine refused the connection (${err.message}): is dockerd running?`;
  }
  return err.message ?? String(error);
}

/** Only what describes the release itself carries over to a rollback, restart or promotion. */
function releaseFields(meta: Record<string, unknown>): Record<string, unknown> {
  const { kind, config, staticDir, spa, commitAuthor, commitMessage } = meta;
  return { kind, config, staticDir, spa, commitAuthor, commitMessage };
}
