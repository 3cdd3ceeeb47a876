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
