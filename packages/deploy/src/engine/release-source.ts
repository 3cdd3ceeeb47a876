import { existsSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { DeploymentRow } from "@pier/db";
import { repoPath } from "@pier/git";
import type Docker from "dockerode";
import { z } from "zod";
import { buildRelease, type PublishImage } from "../build-release.ts";
import { extractTarball } from "../context-tarball.ts";
import { ensureImage } from "../docker/pull.ts";
import { ImageBuildError } from "../errors.ts";
import { extractCommit } from "../git-archive.ts";
import { completeConfig, defaultPierConfig, type PierConfig } from "../pier-toml.ts";
import type { BaseImages } from "../settings.ts";
import { staticImageRef } from "../static/static-replicas.ts";

/** Where a deployment's release comes from. */
export type DeploySource =
  | {
      kind: "git";
      gitDir: string;
      commitSha: string;
      branch: string;
      /** Where git keeps the pushed objects until the push is accepted (see @pier/git PushEvent). */
      objectEnv?: Record<string, string>;
    }
  | { kind: "upload"; tarPath: string; branch: string | null }
  | { kind: "image"; image: string; port?: number }
  /**
   * Re-runs an earlier release: rollback, or a restart with changed env vars. Its release command
   * ran when it was first deployed; it runs again only when asked.
   */
  | {
      kind: "release";
      from: DeploymentRow;
      /** rollback: an earlier release of production; restart: env changed; promote: a preview's release to production. */
      reason: "rollback" | "restart" | "promote";
      runReleaseCommand?: boolean;
    };

/** What a release is, stored in `deployments.meta` so rollback and restart can run it again. */
export const releaseMetaSchema = z.object({
  kind: z.enum(["image", "static"]),
  config: z.custom<PierConfig>((v) => typeof v === "object" && v !== null).transform(completeConfig),
  staticDir: z.string().optional(),
  spa: z.boolean().optional(),
});
export type ReleaseMeta = z.infer<typeof releaseMetaSchema>;

export interface Release {
  image: string;
  meta: ReleaseMeta;
}

export interface ReleaseContext {
  dataDir: string;
  app: string;
  deploymentId: string;
  docker: () => Docker;
  baseImages: BaseImages;
  say: (line: string) => void;
  instance?: string;
  /** A cancelled deploy: an image build in progress is abandoned. */
  signal?: AbortSignal;
  /** Where the image must go for its replicas (a cluster's registry); see PublishImage. */
  publish?: PublishImage;
}

/** Source -> image reference (built, pulled or reused) plus the release's pier.toml. */
export async function obtainRelease(source: DeploySource, ctx: ReleaseContext): Promise<Release> {
  if (source.kind === "image") {
    const imageId = await ensureImage(ctx.docker(), source.image, ctx.say);
    ctx.say(`Image ${source.image} (${imageId.slice(7, 19)})`);
    const config: PierConfig = source.port
      ? { ...defaultPierConfig, deploy: { ...defaultPierConfig.deploy, port: source.port } }
      : defaultPierConfig;
    const image = ctx.publish ? await ctx.publish({ image: source.image, config }) : source.image;
    return { image, meta: { kind: "image", config } };
  }
  if (source.kind === "release") {
    const meta = releaseMetaSchema.parse(source.from.meta);
    if (!source.from.image) throw new Error(`Deployment ${source.from.id} has no release to run`);
    if (meta.kind === "image") {
      const rebuild = await rebuildSource(source.from, source.from.image, ctx);
      if (rebuild) return obtainRelease(rebuild, ctx);
      await ensureImage(ctx.docker(), source.from.image, ctx.say);
      if (ctx.publish)
        return { image: await ctx.publish({ image: source.from.image, config: meta.config }), meta };
    } else if (!(await Bun.file(join(meta.staticDir ?? "", "index.html")).exists()) && meta.staticDir) {
      ctx.say(`Warning: ${meta.staticDir} has no index.html`);
    }
    return { image: source.from.image, meta };
  }

  const workDir = join(ctx.dataDir, "builds", ctx.deploymentId);
  const sourceDir = join(workDir, "src");
  try {
    await mkdir(sourceDir, { recursive: true });
    if (source.kind === "git") {
      ctx.say(`Extracting ${source.commitSha.slice(0, 12)}`);
      await extractCommit(source.gitDir, source.commitSha, sourceDir, undefined, source.objectEnv);
    } else {
      await extractTarball(source.tarPath, sourceDir);
    }
    const staticDir = join(ctx.dataDir, "static", ctx.deploymentId);
    const release = await buildRelease(ctx.docker(), {
      app: ctx.app,
      deploymentId: ctx.deploymentId,
      sourceDir,
      baseImages: ctx.baseImages,
      workDir,
      staticDir,
      instance: ctx.instance,
      onLog: ctx.say,
      signal: ctx.signal,
      publish: ctx.publish,
    });
    if (release.kind === "image") {
      return { image: release.image, meta: { kind: "image", config: release.config } };
    }
    return {
      image: staticImageRef(release.siteDir, release.spa),
      meta: { kind: "static", config: release.config, staticDir: release.siteDir, spa: release.spa },
    };
  } finally {
    await rm(workDir, { recursive: true, force: true }).catch(() => {});
  }
}

/**
 * An image pier built that this Docker Engine does not have (a pier restored from a backup on a
 * new machine, or images removed by hand) comes back from the commit it was built from: the
 * repository is in the data dir. An upload's source is not kept, so that release cannot.
 */
async function rebuildSource(
  from: DeploymentRow,
  image: string,
  ctx: ReleaseContext,
): Promise<DeploySource | null> {
  if (!image.startsWith("pier/")) return null;
  const present = await ctx
    .docker()
    .getImage(image)
    .inspect()
    .then(
      () => true,
      (error: { statusCode?: number }) => (error.statusCode === 404 ? false : Promise.reject(error)),
    );
  if (present) return null;
  const gitDir = repoPath(ctx.dataDir, ctx.app);
  if (!from.commitSha || !existsSync(gitDir))
    throw new ImageBuildError(
      `the image ${image} of deployment ${from.id} is not on this Docker Engine and cannot be rebuilt (${from.commitSha ? "the app's repository is missing" : "it was deployed from an upload, whose source pier does not keep"}): deploy ${ctx.app} again with pier deploy or git push`,
      [],
    );
  ctx.say(
    `Image ${image} is not on this Docker Engine: rebuilding it from commit ${from.commitSha.slice(0, 12)}`,
  );
  return { kind: "git", gitDir, commitSha: from.commitSha, branch: from.branch ?? "main" };
}
