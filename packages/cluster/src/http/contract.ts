import { defineRoutes, okResponse, timestamp } from "@pier/http/contract";
import { z } from "zod";

const hostName = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .regex(
    /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/,
    "must be a host name like registry.example.com",
  );

const address = z
  .string()
  .trim()
  .regex(/^[0-9a-fA-F:.]+$/, "must be an IP address of this machine, e.g. 10.0.0.5");

export const labelKey = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, "label names are letters, digits, _, . and -");

export const initClusterBody = z.strictObject({
  /** The address other nodes reach this one at (default: what Docker or pier can tell). */
  advertiseAddr: address.optional(),
  /** The cluster's own registry, served by pier's proxy at this host name (default registry.<base domain>). */
  registryHost: hostName.optional(),
  /** `cluster-ca` (nodes pin the cluster's CA when they join) or `acme` (a public certificate). */
  registryTls: z.enum(["cluster-ca", "acme"]).default("cluster-ca"),
  /** A registry you run instead of pier's: `host[:port][/path]` and its credentials. */
  registry: z
    .strictObject({
      address: z
        .string()
        .trim()
        .regex(/^(https:\/\/)?[A-Za-z0-9.-]+(:\d+)?(\/[a-z0-9._/-]+)?$/, "must be host[:port][/path]"),
      username: z.string().min(1).max(200),
      password: z.string().min(1).max(4096),
    })
    .optional(),
});

/** `host[:port]` with a port in range: the manager of `pier cluster join`, a registry's address. */
const hostPort = (what: string) =>
  z
    .string()
    .trim()
    .regex(
      /^(?:\[[0-9a-fA-F:]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::\d{1,5})?$/,
      `${what} must be HOST or HOST:PORT`,
    )
    .refine((value) => {
      const port = /:(\d{1,5})$/.exec(value)?.[1];
      return port === undefined || (Number(port) >= 1 && Number(port) <= 65535);
    }, `${what}'s port must be between 1 and 65535`);

/**
 * What `pier cluster join` is given, checked before it touches Docker: a typo must not reach
 * `docker swarm join`, whose errors (DNS lookups, dial failures) say little about the fix.
 */
export const joinArgs = z.strictObject({
  manager: hostPort("MANAGER"),
  token: z
    .string()
    .regex(
      /^SWMTKN-1-[0-9a-z]+-[0-9a-z]+$/,
      "--token must be a swarm join token (SWMTKN-1-…): pier cluster join-command prints it",
    ),
  registry: hostPort("--registry").optional(),
  registryCaSha256: z
    .string()
    .regex(
      /^[0-9a-fA-F]{64}$/,
      "--registry-ca-sha256 must be 64 hex digits (pier cluster join-command prints it)",
    )
    .optional(),
  advertiseAddr: z
    .string()
    .regex(
      /^[A-Za-z0-9.:%[\]-]+$/,
      "--advertise-addr must be an IP address (optionally :PORT) or an interface name",
    )
    .optional(),
});

export const labelsBody = z.strictObject({
  set: z.record(labelKey, z.string().max(256)).default({}),
  remove: z.array(labelKey).max(64).default([]),
});

export const nodeSchema = z.object({
  id: z.string(),
  hostname: z.string(),
  role: z.enum(["manager", "worker"]),
  leader: z.boolean(),
  availability: z.enum(["active", "pause", "drain"]),
  /** Swarm's view: ready, down, disconnected, unknown. */
  state: z.string(),
  /** Since when it has been in that state (as far as this pier saw). */
  stateSince: timestamp().nullable(),
  message: z.string().nullable(),
  addr: z.string(),
  /** linux/amd64, linux/arm64… */
  platform: z.string(),
  cpus: z.number(),
  memoryBytes: z.number(),
  engineVersion: z.string(),
  labels: z.record(z.string(), z.string()),
  /** pier's replicas running there. */
  replicas: z.array(
    z.object({
      app: z.string(),
      environment: z.string(),
      deploymentId: z.string(),
      upstream: z.string().nullable(),
    }),
  ),
});

export const joinSchema = z.object({
  /** What to run on a new machine with pier installed. */
  command: z.string(),
  /** The same with only Docker: trust the CA, then docker swarm join. */
  dockerCommands: z.array(z.string()),
  manager: z.string(),
  token: z.string(),
  registry: z.string(),
  caSha256: z.string().nullable(),
});

export const clusterSchema = z.object({
  enabled: z.boolean(),
  nodeId: z.string().nullable(),
  advertiseAddr: z.string().nullable(),
  adopted: z.boolean(),
  registry: z
    .object({ kind: z.enum(["internal", "external"]), address: z.string(), tls: z.string().nullable() })
    .nullable(),
  nodes: z.object({ total: z.number(), ready: z.number(), platforms: z.array(z.string()) }),
});

/**
 * The cluster (`pier cluster …`): one Docker Swarm that pier manages from this machine, its nodes
 * and the registry they pull releases from. Reading is for any token; join tokens and every change
 * to the nodes are for admins.
 */
export const clusterRoutes = defineRoutes({
  getCluster: {
    method: "GET",
    path: "/api/v1/cluster",
    tag: "cluster",
    access: "read",
    summary: "Whether apps run on a cluster, its registry and a count of its nodes",
    response: z.object({ cluster: clusterSchema }),
  },
  initCluster: {
    method: "POST",
    path: "/api/v1/cluster/init",
    tag: "cluster",
    access: "admin",
    summary:
      "Make this machine's Docker Engine a swarm manager (or adopt its swarm), start the registry, and run new releases on the cluster",
    body: initClusterBody,
    bodyOptional: true,
    response: z.object({ cluster: clusterSchema, join: joinSchema }),
  },
  joinCommand: {
    method: "GET",
    path: "/api/v1/cluster/join-command",
    tag: "cluster",
    access: "admin",
    summary: "What to run on a new machine to join it (holds the swarm's worker join token)",
    response: z.object({ join: joinSchema }),
  },
  listNodes: {
    method: "GET",
    path: "/api/v1/cluster/nodes",
    tag: "cluster",
    access: "read",
    summary: "Nodes with role, availability, platform, resources, labels, state and pier's replicas on each",
    response: z.object({ nodes: z.array(nodeSchema) }),
  },
  labelNode: {
    method: "PATCH",
    path: "/api/v1/cluster/nodes/:node/labels",
    tag: "cluster",
    access: "admin",
    summary: "Set and remove a node's labels (placement constraints read them: node.labels.KEY)",
    body: labelsBody,
    response: z.object({ node: nodeSchema }),
  },
  drainNode: {
    method: "POST",
    path: "/api/v1/cluster/nodes/:node/drain",
    tag: "cluster",
    access: "admin",
    summary:
      "Move a node's replicas elsewhere without failing a request: out of the routes, drained, then Swarm starts them on other nodes",
    response: z.object({ node: nodeSchema, drained: z.number() }),
  },
  activateNode: {
    method: "POST",
    path: "/api/v1/cluster/nodes/:node/activate",
    tag: "cluster",
    access: "admin",
    summary: "Let Swarm place replicas on a drained or paused node again",
    response: z.object({ node: nodeSchema }),
  },
  removeNode: {
    method: "DELETE",
    path: "/api/v1/cluster/nodes/:node",
    tag: "cluster",
    access: "admin",
    summary: "Remove a node from the swarm (a node that is still up must leave first, or use force)",
    query: z.object({ force: z.enum(["true", "false", "1", "0"]).optional() }),
    response: okResponse,
  },
});
