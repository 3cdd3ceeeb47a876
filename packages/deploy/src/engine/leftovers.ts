import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type Docker from "dockerode";
import { removeAppImages } from "../docker/images.ts";
import { labelKeys } from "../docker/labels.ts";

/**
 * What a crash or an earlier version could leave behind, removed at start: build directories (no
 * build survives a restart: an interrupted deploy is failed by reconcile), and images this pier
 * built for apps that no longer exist. Images of other piers on the same Engine are not touched.
 */
export async function sweepLeftovers(input: {
  dataDir: string;
  docker?: Docker;
  instance: string;
  apps: string[];
}): Promise<{ builds: number; images: number }> {
  const buildsDir = join(input.dataDir, "builds");
  const builds = await readdir(buildsDir).catch(() => [] as string[]);
  for (const name of builds) await rm(join(buildsDir, name), { recursive: true, force: true });
  let images = 0;
  if (input.docker) {
    const known = new Set(input.apps);
    const mine = await input.docker.listImages({
      filters: { label: [`${labelKeys.instance}=${input.instance}`] },
    });
    const gone = new Set(
      mine
        .map((image) => image.Labels?.[labelKeys.app])
        .filter((app): app is string => !!app && !known.has(app)),
    );
    for (const app of gone) images += await removeAppImages(input.docker, app, input.instance);
  }
  return { builds: builds.length, images };
}
