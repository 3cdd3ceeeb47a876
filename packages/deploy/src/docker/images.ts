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

/** A deployment as image retention sees it; the history is read newest first. */
export interface ReleaseImageState {
  id: string;
  status: "queued" | "building" | "starting" | "live" | "failed" | "superseded" | "rolled_back" | "cancelled";
  image: string | null;
}

/** Which release images stay: by the deployment that built them, or by reference. */
export interface ImageRetention {
  deployments: ReadonlySet<string>;
  /** A restart or a rollback runs an earlier deployment's image under its own id. */
  images: ReadonlySet<string>;
}

const wentLive = new Set<ReleaseImageState["status"]>(["live", "superseded", "rolled_back"]);
const inProgress = new Set<ReleaseImageState["status"]>(["queued", "building", "starting"]);

/**
 * The images to keep: those of the `keep` newest distinct releases that went live (the rollback
 * targets), of every environment's current release and of deploys still running. Failed and
 * cancelled deploys keep nothing: counting them would let a run of failures push out the
 * releases a rollback needs.
 */
export function releaseImagesToKeep(
  history: readonly ReleaseImageState[],
  current: Iterable<string>,
  keep: number = deployDefaults.keepReleases,
): ImageRetention {
  const currentIds = new Set(current);
  const deployments = new Set<string>();
  const images = new Set<string>();
  let releases = 0;
  for (const d of history) {
    const always = currentIds.has(d.id) || inProgress.has(d.status);
    const counted = wentLive.has(d.status) && !(d.image && images.has(d.image));
    if (!always && !(counted && releases < keep)) continue;
    if (counted) releases++;
    deployments.add(d.id);
    if (d.image) images.add(d.image);
  }
  return { deployments, images };
}

/**
 * Removes this pier's release images of an app that `retention` does not keep. Images another pier
 * `instance` built are never touched (unlabelled ones, from before the label, count as this pier's);
 * images still used by a container (a running or stopped replica) are skipped. Returns the removed tags.
 */
export async function pruneAppImages(
  docker: Docker,
  app: string,
  retention: ImageRetention,
  instance?: string,
): Promise<string[]> {
  const images = await docker.listImages({ filters: { label: [`${labelKeys.app}=${app}`] } });
  const removed: string[] = [];
  for (const image of images) {
    const owner = image.Labels?.[labelKeys.instance];
    if (instance && owner && owner !== instance) continue;
    const tags = (image.RepoTags ?? []).filter((t) => t.startsWith(`pier/${app}:`));
    const builtBy = image.Labels?.[labelKeys.deployment];
    // Neither a release's tag nor its deployment label: a layer of a build still running (the
    // LABEL steps come before the deployment's), which that build needs until it ends.
    if (!builtBy && tags.length === 0) continue;
    if ((builtBy && retention.deployments.has(builtBy)) || tags.some((t) => retention.images.has(t)))
      continue;
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
