import type Docker from "dockerode";

/**
 * A Docker Engine client: DOCKER_HOST when set (docker-modem reads it), else /var/run/docker.sock.
 * dockerode (with its ssh and HTTP stack) is loaded here, on first use, not at start-up: its cold
 * start time and memory (docs/performance.md, Measured while building) are not for a pier without
 * container apps to pay.
 */
export function createDockerClient(options?: Docker.DockerOptions): Docker {
  const DockerClient = require("dockerode") as typeof Docker;
  return new DockerClient(options);
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

/** Where the Engine API listens, from DOCKER_HOST like the docker CLI; pure for tests. */
export function dockerEndpoint(dockerHost: string | undefined): { unix: string } | { url: string } {
  if (!dockerHost) return { unix: "/var/run/docker.sock" };
  if (dockerHost.startsWith("unix://")) return { unix: dockerHost.slice("unix://".length) };
  if (dockerHost.startsWith("tcp://")) return { url: `http://${dockerHost.slice("tcp://".length)}` };
  return { url: dockerHost };
}

/** A plain HTTP request to the Engine API at `path`, over the socket or the address DOCKER_HOST names. */
function engineFetch(
  path: string,
  init: BunFetchRequestInit,
  env: Record<string, string | undefined>,
): Promise<Response> {
  const endpoint = dockerEndpoint(env.DOCKER_HOST);
  return "unix" in endpoint
    ? fetch(`http://docker${path}`, { ...init, unix: endpoint.unix })
    : fetch(`${endpoint.url}${path}`, init);
}

/** Pings the Engine with a plain HTTP request, without loading the client library. */
export async function pingDockerEngine(
  env: Record<string, string | undefined> = process.env,
): Promise<boolean> {
  try {
    const response = await engineFetch("/_ping", { signal: AbortSignal.timeout(3000) }, env);
    return response.ok && (await response.text()) === "OK";
  } catch {
    return false;
  }
}

/**
 * Whether the Engine holds a container carrying every one of `labels` (running or not), with a
 * plain HTTP request: a caller can wait for the first one before loading the client library. An
 * Engine that cannot be reached, or answers with an error, holds none for this question.
 */
export async function engineHasContainers(
  labels: string[],
  env: Record<string, string | undefined> = process.env,
): Promise<boolean> {
  const path = `/containers/json?all=1&filters=${encodeURIComponent(JSON.stringify({ label: labels }))}`;
  try {
    const response = await engineFetch(path, { signal: AbortSignal.timeout(3000) }, env);
    if (!response.ok) return false;
    const list: unknown = await response.json();
    return Array.isArray(list) && list.length > 0;
  } catch {
    return false;
  }
}

/** The Engine's event stream for some containers, open: `next` resolves with the first event. */
export interface ContainerEvents {
  /** True at the first event; false when the stream ended or failed (the Engine restarted, say). */
  next(): Promise<boolean>;
}

/**
 * Subscribes to the Engine's events of containers carrying every one of `labels`, with one plain
 * HTTP request that stays open (GET /events): a caller can wait for a container without asking
 * again and again, so an idle pier sends the Engine nothing. Resolves once the Engine has accepted
 * the subscription (any container created after that is reported), or with null when it cannot
 * be reached or refuses. Aborting `signal` ends the wait (`next` then resolves false).
 */
export async function openContainerEvents(
  labels: string[],
  signal: AbortSignal,
  env: Record<string, string | undefined> = process.env,
): Promise<ContainerEvents | null> {
  const path = `/events?filters=${encodeURIComponent(JSON.stringify({ type: ["container"], label: labels }))}`;
  try {
    // `timeout: false`: the stream may rightly stay silent for days.
    const response = await engineFetch(path, { signal, timeout: false }, env);
    if (!response.ok || response.body === null) {
      await response.body?.cancel().catch(() => {});
      return null;
    }
    const reader = response.body.getReader();
    return {
      async next() {
        try {
          const { done } = await reader.read();
          return !done;
        } catch {
          return false;
        } finally {
          reader.cancel().catch(() => {});
        }
      },
    };
  } catch {
    return null;
  }
}
