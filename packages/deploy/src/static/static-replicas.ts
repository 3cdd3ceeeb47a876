import type { Server } from "bun";
import type { ReplicaRuntime, ReplicaSpec, StartedReplica } from "../ports.ts";
import { createStaticSiteHandler } from "./static-handler.ts";

const imagePrefix = "static:";
const idPrefix = "static-";

/**
 * Static releases have no image: their "image" names the site directory, so rollback and restart
 * treat them exactly like container releases.
 */
export function staticImageRef(dir: string, spa: boolean): string {
  return `${imagePrefix}${spa ? "spa:" : ""}${dir}`;
}

export function parseStaticImageRef(image: string): { dir: string; spa: boolean } | null {
  if (!image.startsWith(imagePrefix)) return null;
  const rest = image.slice(imagePrefix.length);
  return rest.startsWith("spa:") ? { dir: rest.slice(4), spa: true } : { dir: rest, spa: false };
}

export function isStaticReplicaId(containerId: string): boolean {
  return containerId.startsWith(idPrefix);
}

export interface StaticReplicaInfo {
  containerId: string;
  app: string;
  env: string;
  deploymentId: string;
  replica: number;
  upstream: string;
}

export interface StaticReplicaRuntime extends ReplicaRuntime {
  list(): StaticReplicaInfo[];
  stopAll(): Promise<void>;
}

/**
 * "Static replicas": one small Bun.serve per static release on 127.0.0.1 and a random port, in
 * this process. The proxy then reaches a static site exactly as it reaches a container, so static
 * deploys share the health check, route swap and drain of the rollout.
 */
export function createStaticReplicaRuntime(): StaticReplicaRuntime {
  const servers = new Map<string, { server: Server<unknown>; info: StaticReplicaInfo }>();
  return {
    async start(spec: ReplicaSpec): Promise<StartedReplica> {
      const site = parseStaticImageRef(spec.image);
      if (!site) throw new Error(`${spec.image} is not a static site release`);
      const handler = createStaticSiteHandler(site);
      const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: handler });
      const containerId = `${idPrefix}${spec.deploymentId}-${spec.replica}-${server.port}`;
      const upstream = `127.0.0.1:${server.port}`;
      servers.set(containerId, {
        server,
        info: {
          containerId,
          app: spec.app,
          env: spec.env,
          deploymentId: spec.deploymentId,
          replica: spec.replica,
          upstream,
        },
      });
      return { containerId, replica: spec.replica, hostPort: server.port!, upstream };
    },
    async state(containerId) {
      return { running: servers.has(containerId), exitCode: null };
    },
    async stop(containerId, graceMs) {
      const entry = servers.get(containerId);
      if (!entry) return;
      servers.delete(containerId);
      // Like SIGTERM then SIGKILL: in-flight responses get the grace period, then connections close.
      const closed = entry.server.stop(false);
      const timer = setTimeout(() => entry.server.stop(true), graceMs);
      await Promise.race([closed, Bun.sleep(graceMs)]);
      clearTimeout(timer);
      entry.server.stop(true);
    },
    async remove(containerId) {
      const entry = servers.get(containerId);
      if (!entry) return;
      servers.delete(containerId);
      entry.server.stop(true);
    },
    async tailLogs() {
      return [];
    },
    list() {
      return [...servers.values()].map((s) => s.info);
    },
    async stopAll() {
      for (const [id, entry] of servers) {
        servers.delete(id);
        entry.server.stop(true);
      }
    },
  };
}

/** Sends static releases to the static runtime and everything else to `containers` (Docker). */
export function combineRuntimes(containers: () => ReplicaRuntime, statics: ReplicaRuntime): ReplicaRuntime {
  const pick = (containerId: string) => (isStaticReplicaId(containerId) ? statics : containers());
  return {
    start: (spec) => (parseStaticImageRef(spec.image) ? statics.start(spec) : containers().start(spec)),
    state: (id) => pick(id).state(id),
    stop: (id, graceMs) => pick(id).stop(id, graceMs),
    remove: (id) => pick(id).remove(id),
    tailLogs: (id, lines) => pick(id).tailLogs(id, lines),
  };
}
