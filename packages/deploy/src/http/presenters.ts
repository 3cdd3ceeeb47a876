import type { DeploymentRow, EnvironmentRow } from "@pier/db";
import type { ServedEnvironment } from "../engine/serving.ts";
import type { AppStatus } from "./schemas.ts";

export function presentDeployment(row: DeploymentRow, environments: Map<string, EnvironmentRow>) {
  const meta = row.meta as {
    kind?: string;
    url?: string;
    logTail?: string[];
    replicas?: unknown[];
    trigger?: string;
    basedOn?: string;
  };
  return {
    id: row.id,
    status: row.status,
    source: row.source,
    branch: row.branch,
    commitSha: row.commitSha,
    image: row.image,
    error: row.error,
    createdAt: row.createdAt,
    finishedAt: row.finishedAt,
    environment: row.environmentId ? (environments.get(row.environmentId)?.name ?? null) : null,
    kind: meta.kind ?? null,
    url: meta.url ?? null,
    trigger: meta.trigger ?? null,
    basedOn: meta.basedOn ?? null,
    replicas: meta.replicas?.length ?? 0,
    logTail: meta.logTail ?? [],
  };
}

export function environmentsById(rows: EnvironmentRow[]): Map<string, EnvironmentRow> {
  return new Map(rows.map((e) => [e.id, e]));
}

export function presentEnvironment(
  environment: EnvironmentRow,
  served: ServedEnvironment | undefined,
  current: DeploymentRow | undefined,
  url: string | null,
) {
  return {
    name: environment.name,
    kind: environment.kind,
    branch: environment.branch,
    host: environment.host,
    url,
    currentDeploymentId: environment.currentDeploymentId,
    status:
      served && served.upstreams.length > 0
        ? ("live" as const)
        : served?.sleeping
          ? ("sleeping" as const)
          : (current?.status ?? ("new" as const)),
    replicas: served?.upstreams.length ?? 0,
    sleepingSince: served?.sleeping ? (environment.sleepingSince ?? null) : null,
    createdAt: environment.createdAt,
  };
}

/** live/deploying/failed/new for the dashboard's app list. Pure. */
export function appStatus(deployments: DeploymentRow[], hasLiveProduction: boolean): AppStatus {
  if (deployments.some((d) => d.status === "queued" || d.status === "building" || d.status === "starting"))
    return "deploying";
  if (hasLiveProduction) return "live";
  if (deployments.some((d) => d.status === "failed")) return "failed";
  return "new";
}
