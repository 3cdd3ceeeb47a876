import { createReadStream } from "node:fs";
import type Docker from "dockerode";
import { ImageBuildError } from "../errors.ts";
import { deployDefaults } from "../settings.ts";
import { labelKeys, pierLabels } from "./labels.ts";
import { createLineSplitter } from "./log-lines.ts";

export interface BuildImageOptions {
  app: string;
  deploymentId: string;
  /** Path of a tar / tar.gz build context (see writeContextTarball). */
  contextTarball: string;
  /** Dockerfile path inside the context. */
  dockerfile?: string;
  buildArgs?: Record<string, string>;
  /** The pier that builds it (label pier.instance): its sweeps never touch another pier's images. */
  instance?: string;
  /** Each line of build output as it arrives. */
  onLog?: (line: string) => void;
  /** Aborting closes the connection to the Engine, which then stops the build. */
  signal?: AbortSignal;
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
    labels: {
      ...pierLabels({ app: options.app, deploymentId: options.deploymentId, instance: options.instance }),
      [labelKeys.builtAt]: String(Date.now()),
    },
    rm: true,
    forcerm: true,
  });
  const abandon = () => {
    failure ??= "cancelled";
    (stream as unknown as { destroy?: () => void }).destroy?.();
  };
  if (options.signal?.aborted) abandon();
  options.signal?.addEventListener("abort", abandon, { once: true });
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
  options.signal?.removeEventListener("abort", abandon);
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
  // Newest first; two builds in one second are told apart by pier's own millisecond label.
  const builtAt = (image: (typeof images)[number]) =>
    Number(image.Labels?.[labelKeys.builtAt]) || image.Created * 1000;
  images.sort((a, b) => builtAt(b) - builtAt(a));
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

/**
 * Removes every image of `app` (of this pier `instance` when given, and unlabelled older ones):
 * deleting an app must not leave its releases behind. Images still used by a container stay.
 */
export async function removeAppImages(docker: Docker, app: string, instance?: string): Promise<number> {
  let removed = 0;
  for (const image of await docker.listImages({ filters: { label: [`${labelKeys.app}=${app}`] } })) {
    const owner = image.Labels?.[labelKeys.instance];
    if (instance && owner && owner !== instance) continue;
    try {
      await docker.getImage(image.Id).remove({ force: false, noprune: false });
      removed++;
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      if (status !== 404 && status !== 409) throw error;
    }
  }
  return removed;
}
