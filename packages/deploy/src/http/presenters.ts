import { basename } from "node:path";
import type { DeploymentRow, EnvironmentRow } from "@pier/db";
import type { ServedEnvironment } from "../engine/serving.ts";
import { parseStaticImageRef, staticImageRef } from "../static/static-replicas.ts";
import type { AppStatus } from "./schemas.ts";

export function presentDeployment(row: DeploymentRow, environments: Map<string, EnvironmentRow>) {
  const meta = row.meta as {
    kind?: string;
    url?: string;
    logTail?: string[];
    replicas?: unknown[];
    trigger?: string;
    basedOn?: string;
    replaced?: string;
    actor?: string;
    commitAuthor?: string;
    commitMessage?: string;
    timings?: Record<string, unknown>;
  };
  return {
    id: row.id,
    status: row.status,
    source: row.source,
    branch: row.branch,
    commitSha: row.commitSha,
    image: row.image === null ? null : presentImage(row.image),
    error: row.error,
    createdAt: row.createdAt,
    finishedAt: row.finishedAt,
    environment: row.environmentId ? (environments.get(row.environmentId)?.name ?? null) : null,
    kind: meta.kind ?? null,
    url: meta.url ?? null,
    trigger: meta.trigger ?? null,
    basedOn: meta.basedOn ?? null,
    replaced: meta.replaced ?? null,
    actor: meta.actor ?? null,
    commitAuthor: meta.commitAuthor ?? null,
    commitMessage: meta.commitMessage ?? null,
    timings: presentTimings(meta.timings),
    replicas: Array.isArray(meta.replicas) ? meta.replicas.length : 0,
    logTail: meta.logTail ?? [],
  };
}

/**
 * A static release's "image" is stored as its absolute directory, which rollback and restore
 * need; callers (app-limited tokens included) see only the release's directory name, not where
 * the data dir lives on the server. Pure.
 */
export function presentImage(image: string): string {
  const site = parseStaticImageRef(image);
  return site ? staticImageRef(basename(site.dir), site.spa) : image;
}

const timingKeys = [
  "queuedMs",
  "buildMs",
  "releaseCommandMs",
  "startMs",
  "healthMs",
  "switchMs",
  "drainMs",
  "totalMs",
] as const;

/** The step timings a deployment recorded; anything else in the field is left out. Pure. */
export function presentTimings(stored: Record<string, unknown> | undefined) {
  const out: Partial<Record<(typeof timingKeys)[number], number>> = {};
  for (const key of timingKeys) {
    const value = stored?.[key];
    if (typeof value === "number" && Number.isFinite(value)) out[key] = value;
  }
  return out;
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

/**
 * The app list's status from its deployments and how production is served. A production release
 * that is current but has no replica serving it (and does not sleep) has crashed. Pure.
 */
export function appStatus(
  deployments: DeploymentRow[],
  production: { current: boolean; serving: number; sleeping: boolean },
): AppStatus {
  if (deployments.some((d) => d.status === "queued" || d.status === "building" || d.status === "starting"))
    return "deploying";
  if (production.serving > 0) return "live";
  if (production.current && production.sleeping) return "sleeping";
  if (production.current) return "crashed";
  if (deployments.some((d) => d.status === "failed")) return "failed";
  return "new";
}
