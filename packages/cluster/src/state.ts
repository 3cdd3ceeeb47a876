import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";

/**
 * What `pier cluster init` decided, kept in `<data-dir>/cluster/` beside the keys of the cluster's
 * CA and token signer (like the TLS store keeps its keys): the swarm node this pier manages from,
 * and the registry every node pulls releases from. Registry passwords are sealed with pier's
 * secret key.
 */
const registrySchema = z.discriminatedUnion("kind", [
  z.object({
    /** registry:2 as a Swarm service on the manager, behind pier's proxy at `host` (HTTPS). */
    kind: z.literal("internal"),
    host: z.string(),
    /** pier's HTTPS port: `host:port` is the registry address in image references (443 omitted). */
    port: z.number().int(),
    /** Loopback port the registry listens on, on the manager (host network). */
    localPort: z.number().int(),
    /** Whether the registry's certificate comes from ACME (trusted by nodes) or the cluster's CA. */
    tls: z.enum(["cluster-ca", "acme"]),
    pushPassword: z.string(),
    pullPassword: z.string(),
  }),
  z.object({
    /** A registry the user runs: `host[:port][/path]`. */
    kind: z.literal("external"),
    address: z.string(),
    username: z.string(),
    password: z.string(),
  }),
]);

export const clusterStateSchema = z.object({
  version: z.literal(1),
  /** Labels pier's services with (pier.cluster.instance): another pier's services are left alone. */
  instance: z.string(),
  /** The swarm node whose Docker Engine this pier talks to (a manager). */
  nodeId: z.string(),
  advertiseAddr: z.string(),
  createdAt: z.string(),
  /** True when the swarm existed before `pier cluster init` (adopted, not made). */
  adopted: z.boolean(),
  registry: registrySchema,
});
export type ClusterState = z.infer<typeof clusterStateSchema>;
export type RegistrySettings = ClusterState["registry"];

export class ClusterStateStore {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, "cluster");
  }

  get statePath(): string {
    return join(this.dir, "state.json");
  }

  exists(): boolean {
    return existsSync(this.statePath);
  }

  async read(): Promise<ClusterState | null> {
    if (!this.exists()) return null;
    return clusterStateSchema.parse(JSON.parse(await readFile(this.statePath, "utf8")));
  }

  async write(state: ClusterState): Promise<void> {
    await this.writeFile("state.json", `${JSON.stringify(clusterStateSchema.parse(state), null, 2)}\n`);
  }

  /** Forgets the cluster (an init that failed half-way); keys stay for the next attempt. */
  async remove(): Promise<void> {
    await rm(this.statePath, { force: true });
  }

  async readFile(name: string): Promise<string | null> {
    const path = join(this.dir, name);
    return existsSync(path) ? readFile(path, "utf8") : null;
  }

  /** Replaced by rename, 0600: a crash leaves the old or the new file, never half of one. */
  async writeFile(name: string, content: string): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const path = join(this.dir, name);
    const partial = `${path}.partial`;
    await writeFile(partial, content, { mode: 0o600 });
    await chmod(partial, 0o600);
    await rename(partial, path);
  }
}
