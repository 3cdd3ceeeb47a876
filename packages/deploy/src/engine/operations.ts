import { ConflictError, NotFoundError } from "@pier/core";
import type { AppRow, DeploymentRow, EnvironmentRow, Stores } from "@pier/db";
import type { ReplicaRuntime } from "../ports.ts";
import type { DeployEngine, StartedDeploy } from "./engine.ts";
import { type TargetEnvironment, targetEnvironment } from "./environments.ts";
import type { ServingTable } from "./serving.ts";

export interface OperationDeps {
  stores: Stores;
  engine: DeployEngine;
  serving: ServingTable;
  runtime: ReplicaRuntime;
  publishRoutes(): Promise<void>;
  /** A preview environment's row is gone: what other subsystems keep for it goes too (never rejects). */
  previewRemoved?(app: AppRow, environment: string): Promise<void>;
}

export function targetOf(environment: EnvironmentRow): TargetEnvironment {
  return {
    name: environment.name,
    kind: environment.kind,
    branch: environment.branch,
    host: environment.host ?? "",
  };
}

/** Earlier releases of an environment a rollback may go to: once live, and not the current image. */
export function rollbackCandidates(history: DeploymentRow[], current: DeploymentRow): DeploymentRow[] {
  return history.filter(
    (d) =>
      d.id !== current.id &&
      d.environmentId === current.environmentId &&
      (d.status === "superseded" || d.status === "rolled_back") &&
      d.image !== null &&
      d.image !== current.image &&
      d.createdAt.getTime() <= current.createdAt.getTime(),
  );
}

/**
 * Refusal of `rollback --to` a deployment that never went live. The CLI has no command listing
 * deployments, so the releases it could go back to are named here.
 */
export function neverLiveMessage(to: string, app: string, candidates: DeploymentRow[]): string {
  if (candidates.length === 0)
    return `${to} never went live, and ${app} has no earlier release to roll back to.`;
  const shown = candidates
    .slice(0, 5)
    .map((d) => `${d.id} (${d.createdAt.toISOString().slice(0, 16).replace("T", " ")} UTC)`);
  return `${to} never went live. Releases ${app} can go back to, newest first: ${shown.join(", ")}. Run \`pier rollback --app ${app} --to ID\` with one of them, or without --to for the previous release; the app's page in the dashboard lists every deployment.`;
}

/** Re-runs an earlier release with the same health-checked swap. */
export async function rollback(
  deps: OperationDeps,
  app: AppRow,
  to?: string,
  runReleaseCommand = false,
  actor: string | null = null,
): Promise<StartedDeploy> {
  const production = await deps.stores.environments.findByName(app.id, "production");
  const current = production?.currentDeploymentId
    ? await deps.stores.deployments.findById(production.currentDeploymentId)
    : undefined;
  if (!production || !current) throw new ConflictError(`${app.name} has no live release to roll back from.`);
  let target: DeploymentRow | undefined;
  if (to) {
    target = await deps.stores.deployments.findById(to);
    if (!target || target.appId !== app.id) throw new NotFoundError("Deployment", to);
    if (target.id === current.id) throw new ConflictError(`${to} is already live.`);
    if (
      !target.image ||
      target.status === "failed" ||
      target.status === "queued" ||
      target.status === "building"
    ) {
      const history = await deps.stores.deployments.listForApp(app.id, 200);
      throw new ConflictError(neverLiveMessage(to, app.name, rollbackCandidates(history, current)));
    }
  } else {
    const history = await deps.stores.deployments.listForApp(app.id, 200);
    target = rollbackCandidates(history, current)[0];
    if (!target) throw new ConflictError(`${app.name} has no earlier release to roll back to.`);
  }
  return deps.engine.start(
    app,
    targetOf(production),
    { kind: "release", from: target, reason: "rollback", runReleaseCommand },
    { actor },
  );
}

/**
 * A preview's current release goes to production as it is (no rebuild): production's env vars and
 * routes, its release command run again (production's database is not the preview's).
 */
export async function promote(
  deps: OperationDeps,
  app: AppRow,
  environmentName: string,
  baseDomain: string,
  actor: string | null = null,
): Promise<StartedDeploy> {
  const preview = await deps.stores.environments.findByName(app.id, environmentName);
  if (!preview) throw new NotFoundError("Environment", environmentName);
  if (preview.kind !== "preview")
    throw new ConflictError(`${environmentName} is production already; promote a preview environment.`);
  const current = preview.currentDeploymentId
    ? await deps.stores.deployments.findById(preview.currentDeploymentId)
    : undefined;
  if (!current?.image || current.status === "failed")
    throw new ConflictError(
      `The preview ${environmentName} has no live release to promote; deploy it first.`,
    );
  const production = await deps.stores.environments.findByName(app.id, "production");
  const target = production ? targetOf(production) : targetEnvironment(app, null, baseDomain);
  return deps.engine.start(
    app,
    target,
    { kind: "release", from: current, reason: "promote", runReleaseCommand: true },
    { actor },
  );
}

/**
 * Rolling restart after an env var change: every environment the change applies to gets new
 * replicas of its current release with the new env ("" = every environment).
 */
export async function restartForEnvChange(
  deps: OperationDeps,
  app: AppRow,
  scope: string,
): Promise<StartedDeploy[]> {
  const started: StartedDeploy[] = [];
  for (const environment of await deps.stores.environments.listForApp(app.id)) {
    if (scope !== "" && environment.name !== scope) continue;
    if (!environment.currentDeploymentId) continue;
    // A sleeping environment picks the new env up when it wakes.
    if (environment.sleepingSince) continue;
    const current = await deps.stores.deployments.findById(environment.currentDeploymentId);
    if (!current?.image) continue;
    started.push(
      await deps.engine.start(app, targetOf(environment), {
        kind: "release",
        from: current,
        reason: "restart",
      }),
    );
  }
  return started;
}

/**
 * `git push origin :BRANCH`: the preview's routes go first, then its replicas and its row. Only
 * BRANCH's own preview: another branch with the same slug (feat/x, feat-x) keeps its.
 */
export async function removePreview(
  deps: OperationDeps,
  app: AppRow,
  target: Pick<TargetEnvironment, "name" | "branch">,
  say: (line: string) => void,
): Promise<boolean> {
  return deps.engine.exclusive(app.name, async () => {
    const environment = await deps.stores.environments.findByName(app.id, target.name);
    if (environment?.kind !== "preview" || environment.branch !== target.branch) return false;
    const served = deps.serving.delete(app.name, environment.name);
    await deps.publishRoutes();
    say(`Preview ${environment.host} no longer routed`);
    for (const replica of served?.replicas ?? []) {
      await deps.runtime.stop(replica.containerId, 5_000).catch(() => {});
      await deps.runtime.remove(replica.containerId).catch(() => {});
    }
    if (served?.replicas.length) say(`Removed ${served.replicas.length} replica(s)`);
    if (environment.currentDeploymentId) {
      await deps.stores.deployments.update(environment.currentDeploymentId, { status: "superseded" });
    }
    await deps.stores.environments.remove(environment.id);
    // Inside the app's slot: a push of the same branch waits, and gets a new database, not this one.
    await deps.previewRemoved?.(app, environment.name);
    return true;
  });
}
