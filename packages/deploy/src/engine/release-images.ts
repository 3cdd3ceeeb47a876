import type { AppRow, Stores } from "@pier/db";
import type Docker from "dockerode";
import { pruneAppImages, releaseImagesToKeep } from "../docker/images.ts";

/** How far back retention looks; far more deployments than releases kept. */
const historyDepth = 500;

/**
 * Removes the app's release images that are no rollback target any more (see releaseImagesToKeep),
 * after a deploy went live or failed. Returns the removed tags.
 */
export async function pruneReleaseImages(
  deps: { docker: () => Docker; stores: Stores; instance?: string },
  app: Pick<AppRow, "id" | "name">,
  keep?: number,
): Promise<string[]> {
  const history = await deps.stores.deployments.listForApp(app.id, historyDepth);
  const current = (await deps.stores.environments.listForApp(app.id)).flatMap((e) =>
    e.currentDeploymentId ? [e.currentDeploymentId] : [],
  );
  return pruneAppImages(deps.docker(), app.name, releaseImagesToKeep(history, current, keep), deps.instance);
}
