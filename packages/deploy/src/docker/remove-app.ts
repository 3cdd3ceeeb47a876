import type Docker from "dockerode";
import { listPierContainers } from "./replicas.ts";

/**
 * Force-removes every container and image labelled for `app`, ignoring ones already gone.
 * For test and benchmark clean-up: a live pier removes replicas through the rollout instead.
 */
export async function removeAppContainersAndImages(docker: Docker, app: string): Promise<void> {
  for (const c of await listPierContainers(docker, { app })) {
    await docker
      .getContainer(c.containerId)
      .remove({ force: true })
      .catch(() => {});
  }
  for (const image of await docker.listImages({ filters: { label: [`pier.app=${app}`] } })) {
    await docker
      .getImage(image.Id)
      .remove({ force: true })
      .catch(() => {});
  }
}
