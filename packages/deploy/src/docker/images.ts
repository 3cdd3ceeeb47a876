import { createReadStream } from "node:fs";
import type Docker from "dockerode";
import { ImageBuildError } from "../errors.ts";
import { deployDefaults } from "../settings.ts";
import { pierLabels } from "./labels.ts";
import { createLineSplitter } from "./log-lines.ts";

export interface BuildImageOptions {
  app: string;
  deploymentId: string;
  /** Path of a tar / tar.gz build context (see writeContextTarball). */
  contextTarball: string;
  /** Dockerfile path inside the context. */
  dockerfile?: string;
  buildArgs?: Record<string, string>;
  /** Each line of build output as it arrives. */
  onLog?: (line: string) => void;
}

export interface BuiltImage {
  /** `pier/<app>:<deploymentId>` */
  tag: string;
  id: string;
}

/** Image reference of a release: one tag per deployment, so rollback is re-running an old tag. */
export function releaseImageTag(app: string, deploymentId: string): string {
  return `pier/${app}:${deploymentId.replace(/[^A-Za-z0-9_.-]/g, "-").slice(0, 128)}`;
}

/**
 * Builds an image through the Engine's /build endpoint. The layer cache of earlier builds is
 * reused (the Engine's default); intermediate containers are always removed.
 */
export async function buildImage(docker: Docker, options: BuildImageOptions): Promise<BuiltImage> {
  const tag = releaseImageTag(options.app, options.deploymentId);
  const tail: string[] = [];
  const remember = (line: string) => {
    tail.push(line);
    if (tail.length > 50) tail.shift();
    options.onLog?.(line);
  };
  const splitter = createLineSplitter(remember);
  let imageId: string | undefined;
  let failure: string | undefined;

  const stream = await docker.buildImage(createReadStream(options.contextTarball), {
    t: tag,
    dockerfile: options.dockerfile ?? deployDefaults.build.dockerfile,
    buildargs: options.buildArgs ?? {},
    labels: pierLabels({ app: options.app, deploymentId: options.deploymentId }),
    rm: true,
    forcerm: true,
  });
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (error) => (error ? reject(error) : resolve()),
      (event: { stream?: string; error?: string; aux?: { ID?: string }; status?: string }) => {
        if (event.stream) splitter.push(event.stream);
        if (event.status) splitter.push(`${event.status}\n`);
        if (event.aux?.ID) imageId = event.aux.ID;
        if (event.error) failure = event.error;
      },
    );
  }).catch((error: Error) => {
    failure ??= error.message;
  });
  splitter.end();
  if (failure) {
    throw new ImageBuildError(`Image build failed: ${failure.trim()}`, tail.slice(-20));
  }
  const inspected = await docker.getImage(tag).inspect();
  return { tag, id: imageId ?? inspected.Id };
}

/**
 * Removes release images of an app beyond the newest `keep`; images still used by a container
 * (a running or stopped replica) are skipped. Returns the removed tags.
 */
export async function pruneAppImages(
  docker: Docker,
  app: string,
  options: { keep?: number } = {},
): Promise<string[]> {
  const keep = options.keep ?? deployDefaults.keepReleases;
  const images = await docker.listImages({ filters: { label: [`pier.app=${app}`] } });
  images.sort((a, b) => b.Created - a.Created);
  const removed: string[] = [];
  for (const image of images.slice(keep)) {
    const tags = (image.RepoTags ?? []).filter((t) => t.startsWith(`pier/${app}:`));
    try {
      for (const tag of tags) await docker.getImage(tag).remove({ noprune: false });
      if (tags.length === 0) await docker.getImage(image.Id).remove();
      removed.push(...tags);
    } catch (error) {
      // 409: still used by a container. That release is kept; the next prune tries again.
      if ((error as { statusCode?: number }).statusCode !== 409) throw error;
    }
  }
  return removed;
}
