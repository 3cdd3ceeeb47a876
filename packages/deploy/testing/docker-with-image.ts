import { requireService } from "@pier/testkit";
import { createDockerClient, isDockerAvailable } from "../src/docker/client.ts";

/**
 * The Docker Engine for a suite that builds or runs FROM `image`, and whether the suite can run:
 * without the Engine or the image it skips, except in CI, where that is a failure (requireService).
 */
export async function dockerWithImage(image: string) {
  const docker = createDockerClient();
  const up = await isDockerAvailable(docker);
  const present =
    up &&
    (await docker
      .getImage(image)
      .inspect()
      .then(
        () => true,
        () => false,
      ));
  const ready = requireService(
    `the Docker Engine with ${image}`,
    !up ? "the Docker Engine is not reachable" : !present ? `the image ${image} is missing` : null,
    "Start dockerd and build the base images with scripts/base-images/build.sh.",
  );
  return { docker, ready };
}
