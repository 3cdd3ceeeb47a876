import { NotFoundError } from "@pier/core";
import type { AppRow } from "@pier/db";
import { appNameSchema, errorResponse } from "@pier/http";
import type { AppRuntimeCapability, PierContext, RawHandler } from "@pier/platform";
import type { RouteSpec } from "@pier/proxy";
import type Docker from "dockerode";
import { createDockerClient, pingDockerEngine } from "./docker/client.ts";
import { removeAppImages } from "./docker/images.ts";
import { appVolumeName } from "./docker/labels.ts";
import { createDockerReplicaRuntime, listPierContainers } from "./docker/replicas.ts";
import { appDataPaths, removeAppData } from "./engine/app-files.ts";
import { clusterAwareRuntime, clusterPublisher, followClusterMoves } from "./engine/cluster-link.ts";
import { DeployLogs } from "./engine/deploy-log.ts";
import { proxyDrainMonitor } from "./engine/drain.ts";
import { DeployEngine } from "./engine/engine.ts";
import { loadOrCreateInstanceId } from "./engine/instance-id.ts";
import { sweepLeftovers } from "./engine/leftovers.ts";
import { LivenessWatch } from "./engine/liveness.ts";
import { restartForEnvChange } from "./engine/operations.ts";
import { appDeleted, platformDeployHooks } from "./engine/platform-hooks.ts";
import { reconcile } from "./engine/reconcile.ts";
import { ReplicaWatch } from "./engine/replica-watch.ts";
import { appRoutes, ServingTable } from "./engine/serving.ts";
import { SleepManager } from "./engine/sleep.ts";
import { createDeployApi } from "./http/deploy-routes.ts";
import { createGitEndpoint } from "./http/git-endpoint.ts";
import { ownedPaths } from "./http/owned-paths.ts";
import { baseImagesFromEnv, deployDefaults } from "./settings.ts";
import { combineRuntimes, createStaticReplicaRuntime } from "./static/static-replicas.ts";

const notMine = new Response(null, { status: 599 });

export interface RunningDeploy {
  /** Git pushes, the deploy API and app deletion; null for any other request. */
  handle: RawHandler;
  /** What other subsystems get through the `appRuntime` capability. */
  runtime: AppRuntimeCapability;
  stop(): Promise<void>;
}

/**
 * The deploy engine, started on first use or at start when deployments exist (see ../deploy.ts):
 * reconciles what was live before, then serves git pushes, uploads and the deploy API.
 */
export async function startDeploy(
  ctx: PierContext,
  provideRoutes: (routes: () => Promise<RouteSpec[]>) => void,
): Promise<RunningDeploy> {
  const log = ctx.logger.child({ component: "deploy" });
  const { config, stores } = ctx;
  let dockerClient: Docker | undefined;
  const docker = () => {
    dockerClient ??= createDockerClient();
    return dockerClient;
  };
  // A plain ping: the client library loads only when containers are actually involved.
  const dockerAvailable = await pingDockerEngine();
  if (!dockerAvailable) {
    log.warn("Docker Engine not reachable: static sites deploy, container apps fail until dockerd runs");
  }

  const serving = new ServingTable();
  const statics = createStaticReplicaRuntime();
  const instance = loadOrCreateInstanceId(config.dataDir);
  let containers: ReturnType<typeof createDockerReplicaRuntime> | undefined;
  // Container replicas run on this Engine, or on the swarm once `pier cluster init` made one.
  const local = () => {
    containers ??= createDockerReplicaRuntime(docker(), { instance });
    return containers;
  };
  const clustered = clusterAwareRuntime(ctx.capabilities, local);
  const runtime = combineRuntimes(() => clustered, statics);
  const logs = new DeployLogs(config.dataDir, (deployment, error) =>
    log.warn("deploy log lines not written to disk (followers still get them)", {
      deployment,
      error: String(error),
    }),
  );
  const port = config.httpPort === 80 ? "" : `:${config.httpPort}`;
  const liveUrl = (host: string) => `http://${host}${port}`;

  const routes = async () => {
    const domainsByApp = new Map<string, string[]>();
    for (const domain of await stores.domains.listAll()) {
      domainsByApp.set(domain.appId, [...(domainsByApp.get(domain.appId) ?? []), domain.host]);
    }
    // Analytics auto-injection is a per-app setting of the analytics module; the proxy needs it per route.
    const inject = (await ctx.capabilities.analytics?.autoInjectSites()) ?? new Set<string>();
    return appRoutes(serving.list(), domainsByApp, config.baseDomain).map((route) =>
      route.appId !== undefined && inject.has(route.appId) ? { ...route, injectTracker: true } : route,
    );
  };
  // Before reconciling: a release brought back live publishes routes, and they must include it.
  provideRoutes(routes);
  // The engine reads the conflicts: a deploy whose own host another route holds fails.
  const publishForDeploy = async () => (ctx.proxy ? await ctx.routes.publish() : undefined);
  const publishRoutes = async (): Promise<void> => {
    await publishForDeploy();
  };

  const engine = new DeployEngine({
    stores,
    secretBox: ctx.secretBox,
    logger: log,
    dataDir: config.dataDir,
    baseImages: baseImagesFromEnv(),
    docker,
    instance,
    runtime,
    serving,
    logs,
    publishRoutes: publishForDeploy,
    liveUrl,
    hooks: platformDeployHooks(ctx.capabilities, log, ctx.modulesStarted),
    drain: proxyDrainMonitor(ctx.proxy),
    publisher: (app, deploymentId, say) => clusterPublisher(ctx.capabilities, app, deploymentId, say),
  });
  const ops = {
    stores,
    engine,
    serving,
    runtime,
    publishRoutes,
    async previewRemoved(app: AppRow, environment: string) {
      await ctx.capabilities.services
        ?.environmentRemoved({ id: app.id, name: app.name }, environment)
        .catch((error) =>
          log.warn("preview databases not dropped; the sweep tries again", {
            app: app.name,
            environment,
            error,
          }),
        );
    },
  };
  // A cluster moves replicas (a lost node, a drain): the routes follow, health-checked.
  const stopFollowingCluster = followClusterMoves({
    capabilities: ctx.capabilities,
    serving,
    publishRoutes,
    logger: log,
  });

  const reconcileAs = (mode: "full" | "adopt" | "repair") =>
    reconcile({
      stores,
      logger: log,
      serving,
      logs,
      engine,
      statics,
      docker,
      dockerAvailable,
      instance,
      clusterReplicas: async (deploymentIds) =>
        (await ctx.capabilities.cluster?.replicasOf(deploymentIds)) ?? [],
      mode,
    }).catch((error) => {
      log.error("reconciliation failed; live releases may need a redeploy", { error });
      return null;
    });
  const sweep = async () => {
    const swept = await sweepLeftovers({
      dataDir: config.dataDir,
      docker: dockerAvailable ? docker() : undefined,
      instance,
      apps: (await stores.apps.list()).map((a) => a.name),
    }).catch((error) => {
      log.warn("leftovers of earlier runs not removed", { error });
      return null;
    });
    if (swept && swept.builds + swept.images > 0) log.info("leftovers of earlier runs removed", swept);
  };
  // Without the primary role (taking over from a pier that still runs), what is live is adopted
  // and served at once; what changes things (unfinished deploys failed, orphans removed, lost
  // releases started again, leftovers swept) waits for the role, once.
  if (ctx.primary.held()) {
    const report = await reconcileAs("full");
    if (report) log.info("deployments reconciled", { ...report });
    await sweep();
  } else {
    const report = await reconcileAs("adopt");
    if (report) log.info("live deployments adopted; repairs wait for the primary role", { ...report });
    let repaired = false;
    ctx.primary.run("deploy repairs", () => {
      if (repaired) return undefined;
      repaired = true;
      void reconcileAs("repair").then(async (repairs) => {
        if (repairs) log.info("deployments reconciled", { ...repairs });
        await publishRoutes().catch((error) => log.warn("routes not published after the repairs", { error }));
        await sweep();
      });
      return undefined;
    });
  }

  // Environments with [deploy] / [preview] sleep_after stop their replicas when idle.
  const sleeper = new SleepManager({
    stores,
    serving,
    runtime,
    engine,
    logger: log,
    publishRoutes,
    drain: proxyDrainMonitor(ctx.proxy),
    inFlight: ctx.proxy ? (upstreams) => ctx.proxy!.inFlight(upstreams.map((u) => `http://${u}`)) : undefined,
    lastRequestAt: (appId) => ctx.activity?.lastAppRequestAt(appId),
    lastRouteRequestAt: (routeId) => ctx.activity?.lastRouteRequestAt(routeId),
  });
  engine.onLive((app, env) => sleeper.markActive(app, env));
  // Putting idle environments to sleep and replacing unhealthy replicas: one pier does it.
  const stopSleeping = ctx.primary.run("sleep", () => {
    sleeper.start();
    return () => sleeper.stop();
  });
  // [health] keeps being probed on live replicas; an unhealthy one is replaced.
  const liveness = new LivenessWatch({
    stores,
    serving,
    runtime,
    engine,
    logger: log,
    publishRoutes,
    drain: proxyDrainMonitor(ctx.proxy),
    notify: (event) => void ctx.capabilities.notify?.notify(event),
  });
  const stopLiveness = dockerAvailable
    ? ctx.primary.run("liveness", () => {
        liveness.start();
        return () => liveness.stop();
      })
    : async () => {};

  // Replicas restarted or stopped behind pier's back are followed from the Engine's events.
  const watch = dockerAvailable
    ? new ReplicaWatch({
        docker,
        instance,
        serving,
        publishRoutes,
        logger: log,
        downAfterMs: Number(process.env.PIER_REPLICA_DOWN_AFTER_MS) || deployDefaults.replicaDownAfterMs,
        // Routes follow replicas in every pier that serves; recording and reporting is the primary's.
        async recordReplicaEvent(deploymentId, event) {
          if (!ctx.primary.held()) return;
          const row = await stores.deployments.findById(deploymentId);
          if (!row) return;
          const before = (row.meta.replicas as { restarts?: number } | undefined) ?? {};
          const replicas = {
            restarts: (before.restarts ?? 0) + (event.restarted ? 1 : 0),
            ...(event.restarted
              ? { lastRestartAt: new Date().toISOString() }
              : { lastExitCode: event.exitCode, lastExitAt: new Date().toISOString() }),
          };
          await stores.deployments.update(deploymentId, {
            meta: { ...row.meta, replicas: { ...before, ...replicas } },
          });
        },
        reportDown(entry, exitCode) {
          if (!ctx.primary.held()) return;
          const serving = entry.upstreams.length;
          log.error("a replica stayed down after exiting outside pier", {
            app: entry.app,
            environment: entry.env,
            deployment: entry.deploymentId,
            exitCode,
            serving,
          });
          void ctx.capabilities.notify?.notify({
            kind: "replica.down",
            app: entry.app,
            environment: entry.env,
            deploymentId: entry.deploymentId,
            exitCode,
            serving,
          });
        },
      })
    : undefined;
  await watch?.start();

  const git = createGitEndpoint({
    ...ops,
    dataDir: config.dataDir,
    baseDomain: config.baseDomain,
    logger: log,
  });

  const api = createDeployApi({
    ...ops,
    ctx,
    logs,
    liveUrl,
    docker,
    instance,
    wake: (app, environment) => sleeper.wake(app, environment),
  });
  api.notFound(() => notMine);
  // The one mapping of errors to answers (@pier/http), as on the rest of the console: a full disk
  // is a 507, a ZodError a 400, anything unexpected a logged 500.
  api.onError((error, c) => errorResponse(c, error, (e) => log.error("deploy API error", { error: e })));
  const handle: RawHandler = (request, server) => {
    const path = new URL(request.url).pathname;
    if (startsDeploys(request.method, path) && !ctx.primary.held()) return handingOver();
    if (path.startsWith("/git/")) {
      return git.fetch(request, server).then((r) => r ?? new Response("Not found\n", { status: 404 }));
    }
    if (!path.startsWith("/api/v1/")) return null;
    // Deleting an app removes its replicas too; the core API owns the row.
    if (request.method === "DELETE" && /^\/api\/v1\/apps\/[^/]+$/.test(path)) {
      const name = appNameFromPath(path.slice("/api/v1/apps/".length));
      // A name that is no app name (or not even valid percent-encoding) gets the core API's 400.
      if (name === undefined) return ctx.console.fetch(request, server);
      return deleteApp(request, server, name);
    }
    if (!ownedPaths.test(path)) return null;
    // A path of ours with a method we do not serve falls through to the core API.
    return Promise.resolve(api.fetch(request, server)).then((response) =>
      response === notMine ? ctx.console.fetch(request, server) : response,
    );
  };

  const deleteApp = async (
    request: Request,
    server: Parameters<typeof ctx.console.fetch>[1],
    name: string,
  ) => {
    const app = await stores.apps.findByName(name);
    // Read before the row goes: its deployments are deleted with it (foreign key cascade).
    const files = app
      ? appDataPaths(
          config.dataDir,
          app.name,
          (await stores.deployments.listForApp(app.id, 100_000)).map((d) => ({
            logPath: logs.pathOf(d.id),
            meta: d.meta,
          })),
        )
      : [];
    const response = await ctx.console.fetch(request, server);
    if (!response.ok) return response;
    if (app) appDeleted(ctx.capabilities, app.id, log);
    // Its deploys end cancelled: none may report "live" at a host nothing routes any more.
    engine.cancelForDeletedApp(name);
    await engine.exclusive(name, async () => {
      for (const served of serving.forApp(name)) {
        serving.delete(name, served.env);
        for (const replica of served.replicas) await runtime.remove(replica.containerId).catch(() => {});
      }
      await publishRoutes().catch(() => {});
      if (dockerAvailable) {
        for (const c of await listPierContainers(docker(), { app: name, instance }).catch(() => [])) {
          await runtime.remove(c.containerId).catch(() => {});
        }
        // Its releases go too: a deleted app's images only take disk space.
        await removeAppImages(docker(), name, instance).catch((error) =>
          log.warn("images of a deleted app not removed", { app: name, error }),
        );
      }
      await ctx.capabilities.cluster
        ?.removeApp(name)
        .catch((error) =>
          log.warn("cluster services or images of a deleted app not removed", { app: name, error }),
        );
      for (const { path, error } of await removeAppData(files)) {
        log.warn("file of a deleted app not removed", { app: name, path, error });
      }
      // After its replicas are gone: they were what kept its network in use.
      if (app)
        await ctx.capabilities.services
          ?.appRemoved({ id: app.id, name: app.name })
          .catch((error) => log.warn("links or network of a deleted app not removed", { app: name, error }));
    });
    return response;
  };

  const appRuntime: AppRuntimeCapability = {
    async runOneOff({ app, environment, command, timeoutMs, onLine, signal }) {
      const row = await stores.apps.findByName(app);
      if (!row) throw new NotFoundError("App", app);
      return engine.runOneOff(row, environment, "cron", command, { timeoutMs, onLine, signal });
    },
    wake: (app, environment) => sleeper.wake(app, environment),
    wakeRoute: (routeId) => sleeper.wakeRoute(routeId),
    async restartApp(app) {
      const row = await stores.apps.findByName(app);
      if (!row) throw new NotFoundError("App", app);
      return (await restartForEnvChange(ops, row, "")).map((started) => started.deployment.id);
    },
    volumeName: appVolumeName,
  };

  return {
    handle,
    runtime: appRuntime,
    async stop() {
      // Containers keep serving while pier restarts (adopted on the next start); static
      // replicas live in this process and come back from the data dir.
      await stopSleeping();
      await stopLiveness();
      stopFollowingCluster();
      await watch?.stop();
      await git.close();
      await statics.stopAll();
    },
  };
}

/**
 * Requests that may start a deploy (or remove an app): a git push, and every write to the deploy
 * API. Only the pier holding the primary role runs them, so that no deploy is ever split between
 * two processes during an upgrade's hand-over.
 */
function startsDeploys(method: string, path: string): boolean {
  if (method === "GET" || method === "HEAD") return false;
  if (path.startsWith("/git/")) return path.endsWith("/git-receive-pack");
  return ownedPaths.test(path) || /^\/api\/v1\/apps\/[^/]+$/.test(path);
}

/** The answer while this pier hands over to a new version, or takes over from the old one. */
function handingOver(): Response {
  return Response.json(
    {
      error: {
        code: "handing_over",
        message: "pier is handing over to a new version: deploys start again in a few seconds, try again",
      },
    },
    { status: 503, headers: { "retry-after": "5" } },
  );
}

function appNameFromPath(encoded: string): string | undefined {
  try {
    const name = decodeURIComponent(encoded);
    return appNameSchema.safeParse(name).success ? name : undefined;
  } catch {
    return undefined;
  }
}
