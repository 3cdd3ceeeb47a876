import type { BuildPlan, JsBuild } from "./build-plan.ts";
import type { BaseImages } from "./settings.ts";

/** File name the generated Dockerfile gets inside the build context (never clashes with a user's). */
export const generatedDockerfileName = "Dockerfile.pier";

/** Directory of the app inside images pier generates; static build output lives below it. */
export const generatedAppDir = "/app";

/**
 * Dockerfile text for a detected plan, or null when none is needed (the repo's own Dockerfile, or a
 * plain static site the proxy serves from disk). Pure.
 */
export function generateDockerfile(
  plan: BuildPlan,
  baseImages: BaseImages,
  options: { port: number },
): string | null {
  switch (plan.kind) {
    case "dockerfile":
      return null;
    case "static":
      return plan.build ? jsStages(plan.build, baseImages).join("\n").concat("\n") : null;
    case "bun":
    case "node": {
      // Metadata first: these steps are then cached and only the COPY/RUN steps below re-run per
      // deploy (the classic builder spends a container on every step, even ENV).
      const metadata = [
        `ENV NODE_ENV=production PORT=${options.port} HOST=0.0.0.0`,
        `EXPOSE ${options.port}`,
        `CMD ${JSON.stringify(plan.start)}`,
      ];
      return `${jsStages(plan, baseImages, metadata).join("\n")}\n`;
    }
  }
}

function jsStages(build: JsBuild, baseImages: BaseImages, metadata: string[] = []): string[] {
  const lines = [
    `FROM ${build.runtime === "bun" ? baseImages.bun : baseImages.node}`,
    `WORKDIR ${generatedAppDir}`,
    ...metadata,
  ];
  if (build.install) {
    // Manifests first: the install layer is reused from cache until they change.
    lines.push(`COPY ${build.manifests.map(quoteCopySource).join(" ")} ./`);
    if (build.packageManager === "pnpm" || build.packageManager === "yarn") {
      lines.push(`RUN ["corepack", "enable", "${build.packageManager}"]`);
    }
    lines.push(`RUN ${JSON.stringify(build.install)}`);
  }
  lines.push("COPY . .");
  if (build.build) lines.push(`RUN ${JSON.stringify(build.build)}`);
  return lines;
}

function quoteCopySource(path: string): string {
  return /[\s"]/.test(path) ? JSON.stringify(path) : path;
}
