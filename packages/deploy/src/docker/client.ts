import Docker from "dockerode";

/** A Docker Engine client: DOCKER_HOST when set (docker-modem reads it), else /var/run/docker.sock. */
export function createDockerClient(options?: Docker.DockerOptions): Docker {
  return new Docker(options);
}

/** True when the Engine answers a ping (used by tests and `pier doctor`-style checks). */
export async function isDockerAvailable(docker: Docker): Promise<boolean> {
  try {
    await docker.ping();
    return true;
  } catch {
    return false;
  }
}
