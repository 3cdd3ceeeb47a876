import { appendFile } from "node:fs/promises";
import type { Logger } from "@pier/core";
import type { AppRow, DeploymentRow, Stores } from "@pier/db";
import type { ClusterReplicaPlace } from "@pier/platform";
import type Docker from "dockerode";
import { listPierContainers, type PierContainer } from "../docker/replicas.ts";
import type { ReplicaRuntime } from "../ports.ts";
import type { DeployLogs } from "./deploy-log.ts";
import type { DeployEngine } from "./engine.ts";
import { targetOf } from "./operations.ts";
import { releaseMetaSchema } from "./release-source.ts";
import { type ServingTable, servedEnvironment } from "./serving.ts";

export interface ReconcileDeps {
  stores: Stores;
  logger: Logger;
  serving: ServingTable;
  logs: DeployLogs;
  engine: DeployEngine;
  statics: ReplicaRuntime;
  docker: () => Docker;
  dockerAvailable: boolean;
  /** Only this pier's containers are adopted or removed. */
  instance: string;
  /** A cluster's running replicas of these (current) deployments; it removes its others. */
  clusterReplicas?(deploymentIds: string[]): Promise<ClusterReplicaPlace[]>;
  /**
   * "full" on an ordinary start. During an upgrade's hand-over the new process must not touch
   * what the old one still runs: "adopt" only takes over what is live (containers adopted, static
   * servers started, routes served), changing nothing; "repair" is the rest, once it holds the
   * primary role: deploys the old process left unfinished failed, orphans removed, live releases
   * without replicas started again, containers adopted anew (statics already run).
   */
  mode?: "full" | "adopt" | "repair";
}

export interface ReconcileReport {
  adopted: number;
  restartedStatic: number;
  redeployed: number;
  interrupted: number;
  removedOrphans: number;
  sleeping: number;
}

/** What to do with each labelled container, given the deployments that should be serving. Pure. */
export function planContainers(
  containers: PierContainer[],
  currentDeploymentIds: Set<string>,
): { adopt: PierContainer[]; remove: PierContainer[] } {
  const adopt: PierContainer[] = [];
  const remove: PierContainer[] = [];
  for (const c of containers) {
    // A one-off still running (a release command, pier run, a cron job of a pier that is handing
    // over to this one) finishes on its own; one that ended is what a crash left behind.
    if (c.oneOff) {
      if (c.state !== "running") remove.push(c);
      continue;
    }
    if (currentDeploymentIds.has(c.deploymentId) && c.state === "running" && c.upstream) adopt.push(c);
    else remove.push(c);
  }
  return { adopt, remove };
}

/**
 * On start: deploys cut off by the restart are marked failed (their new replicas removed),
 * running replicas of live releases are adopted, static releases get their servers back,
 * containers belonging to nothing live are removed. Routes are then published by the caller.
 */
export async function reconcile(deps: ReconcileDeps): Promise<ReconcileReport> {
  const report: ReconcileReport = {
    adopted: 0,
    restartedStatic: 0,
    redeployed: 0,
    interrupted: 0,
    removedOrphans: 0,
    sleeping: 0,
  };
  const { stores } = deps;
  const mode = deps.mode ?? "full";
  const changes = mode !== "adopt";

  for (const row of changes
    ? await stores.deploymentQueries.listByStatus(["queued", "building", "starting"])
    : []) {
    const message = "interrupted: pier stopped during this deploy; deploy again";
    await appendFile(deps.logs.pathOf(row.id), `-----> Deploy failed: ${message}\n`).catch(() => {});
    await stores.deployments.update(row.id, { status: "failed", error: message, finishedAt: new Date() });
    report.interrupted++;
  }

  const apps = new Map<string, AppRow>((await stores.apps.list()).map((a) => [a.id, a]));
  const environments = await stores.environments.listWithCurrent();
  const current = new Map<string, DeploymentRow>();
  for (const environment of environments) {
    const row = await stores.deployments.findById(environment.currentDeploymentId!);
    if (row) current.set(row.id, row);
  }
  const clustered = deps.clusterReplicas
    ? await deps.clusterReplicas([...current.keys()]).catch((error) => {
        deps.logger.warn("the cluster's replicas could not be listed; its releases start again", { error });
        return [];
      })
    : [];

  let containers: PierContainer[] = [];
  // Containers only ever exist for apps (deleting an app removes its containers), so a pier
  // without apps skips the Engine, and the Docker client is not even loaded.
  if (deps.dockerAvailable && apps.size > 0) {
    containers = await listPierContainers(deps.docker(), { instance: deps.instance });
    const { adopt, remove } = planContainers(containers, new Set(current.keys()));
    for (const c of changes ? remove : []) {
      await deps
        .docker()
        .getContainer(c.containerId)
        .remove({ force: true })
        .catch(() => {});
      report.removedOrphans++;
    }
    containers = adopt;
  }

  for (const environment of environments) {
    const app = apps.get(environment.appId);
    const deployment = current.get(environment.currentDeploymentId!);
    if (!app || !deployment) continue;
    const meta = releaseMetaSchema.safeParse(deployment.meta);
    if (!meta.success || !deployment.image) continue;
    // Static servers live in this process: started once, by the first pass.
    if (meta.data.kind === "static" && mode === "repair") continue;
    if (meta.data.kind === "static" && environment.sleepingSince) {
      deps.serving.set({ ...servedEnvironment(app, environment, deployment.id, []), sleeping: true });
      report.sleeping++;
      continue;
    }
    if (meta.data.kind === "static") {
      const replicas = [];
      for (let replica = 1; replica <= meta.data.config.deploy.replicas; replica++) {
        replicas.push(
          await deps.statics.start({
            app: app.name,
            env: environment.name,
            deploymentId: deployment.id,
            replica,
            image: deployment.image,
            port: meta.data.config.deploy.port,
            envVars: {},
          }),
        );
      }
      deps.serving.set(
        servedEnvironment(
          app,
          environment,
          deployment.id,
          replicas.map((r) => ({ containerId: r.containerId, upstream: r.upstream })),
        ),
      );
      report.restartedStatic++;
      continue;
    }

    if (!deps.dockerAvailable) continue;
    const mine = containers
      .filter((c) => c.deploymentId === deployment.id && !c.oneOff)
      .map((c) => ({ containerId: c.containerId, upstream: c.upstream! }))
      // A cluster replica without a running task yet has no upstream: the cluster routes it once it runs.
      .concat(
        clustered
          .filter((p) => p.deploymentId === deployment.id)
          .map((p) => ({ ...p, upstream: p.upstream ?? "" })),
      );
    if (environment.sleepingSince && mine.length === 0) {
      // Asleep before the restart: its route stays sleeping until a request wakes it.
      deps.serving.set({ ...servedEnvironment(app, environment, deployment.id, []), sleeping: true });
      report.sleeping++;
      continue;
    }
    if (environment.sleepingSince && changes)
      await deps.stores.environments.setSleeping(environment.id, null);
    if (mine.length > 0) {
      const served = servedEnvironment(
        app,
        environment,
        deployment.id,
        mine.map((c) => ({ containerId: c.containerId, upstream: c.upstream })),
      );
      deps.serving.set({
        ...served,
        upstreams: served.upstreams.filter(Boolean),
        upstreamProtocol: meta.data.config.deploy.upstream_protocol,
      });
      report.adopted += mine.length;
      continue;
    }
    // The live release lost its containers (removed by hand, Engine reset): bring it back.
    if (!changes) continue;
    deps.logger.warn("live release has no running replicas; starting it again", {
      app: app.name,
      environment: environment.name,
      deployment: deployment.id,
    });
    await deps.engine.start(app, targetOf(environment), {
      kind: "release",
      from: deployment,
      reason: "restart",
    });
    report.redeployed++;
  }
  return report;
}
