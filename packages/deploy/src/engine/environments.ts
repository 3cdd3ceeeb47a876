import { previewSlug } from "../preview-slug.ts";
import { previewHost, productionHost } from "./serving.ts";

export interface TargetEnvironment {
  name: string;
  kind: "production" | "preview";
  branch: string;
  host: string;
}

/** The default branch deploys production; any other branch its own preview environment. Pure. */
export function targetEnvironment(
  app: { name: string; defaultBranch: string },
  branch: string | null | undefined,
  baseDomain: string,
): TargetEnvironment {
  if (!branch || branch === app.defaultBranch) {
    return {
      name: "production",
      kind: "production",
      branch: app.defaultBranch,
      host: productionHost(app.name, baseDomain),
    };
  }
  const slug = previewSlug(branch, app.name);
  // "production" as a branch slug would collide with the production environment's name.
  const name = slug === "production" ? "production-preview" : slug;
  return { name, kind: "preview", branch, host: previewHost(name, app.name, baseDomain) };
}

/**
 * Why `target` may not deploy into `existing` (the row its name already has), or null when it may.
 * Two branches can share a slug (`feat/x` and `feat-x`): the second must not take over the first's
 * preview, its database, or remove them when it is deleted. Pure.
 */
export function previewOwnerConflict(
  existing: { kind: string; branch: string; host: string | null },
  target: TargetEnvironment,
): string | null {
  if (target.kind !== "preview" || existing.kind !== "preview" || existing.branch === target.branch) {
    return null;
  }
  return (
    `The preview ${existing.host ?? target.host} belongs to branch ${existing.branch}, and ${target.branch} ` +
    `would get the same preview name. Delete that preview first (git push <remote> :${existing.branch}) ` +
    `or push ${target.branch} under a name that differs in more than punctuation or case.`
  );
}
