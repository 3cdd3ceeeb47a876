import { initClusterBody, joinArgs, labelKey, labelsBody } from "@pier/cluster/contract";
import type { PierRoute } from "@pier/contract";
import type { ClientOutput, RouteOf } from "@pier/http/contract";
import type { z } from "zod";
import { connectionFlags, pierApi, resolveConnection } from "./api-client.ts";
import { type Command, type ParsedArgs, requireStringFlag, UsageError } from "./command.ts";
import { table } from "./table.ts";

type Node = ClientOutput<RouteOf<PierRoute, "GET /api/v1/cluster/nodes">>["nodes"][number];
type Join = ClientOutput<RouteOf<PierRoute, "GET /api/v1/cluster/join-command">>["join"];

const json = { type: "boolean", help: "print JSON" } as const;
const nodeArg = [{ name: "NODE", required: true }];
const str = (args: ParsedArgs, key: string) =>
  typeof args.flags[key] === "string" ? (args.flags[key] as string) : undefined;
const node = (args: ParsedArgs) => ({ node: args.positionals[0]! });

/** Checks what the server would refuse before asking it, so a typo is a usage error (exit 2). */
function checked<S extends z.ZodType>(schema: S, value: unknown, command: Command): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const { path, message } = parsed.error.issues[0]!;
  // Messages that name their flag stand alone; the others get the flag (or label) they are about.
  if (/^(--|[A-Z]{2})/.test(message) || path.length === 0) throw new UsageError(message, command);
  const [first, second] = path.map(String);
  const where =
    first === "set" || first === "remove"
      ? `label ${JSON.stringify(second ?? "")}`
      : `--${first!.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  throw new UsageError(`${where} ${message}`, command);
}

const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;

function printJoin(join: Join): void {
  console.log("On each new machine (x64 or arm64, with pier installed), as root:");
  console.log(`  ${join.command}`);
  console.log("With only Docker there:");
  for (const line of join.dockerCommands) console.log(`  ${line}`);
  console.log(
    `Open between the nodes: 2377/tcp (to managers), 7946/tcp+udp, 4789/udp; to this machine ${join.registry.split("/")[0]} (the registry).`,
  );
}

function printNodes(nodes: Node[]): void {
  const rows = nodes.map((n) => [
    `${n.hostname}${n.leader ? "*" : ""}`,
    n.role,
    n.availability,
    n.state,
    n.platform,
    `${n.cpus} cpu ${gib(n.memoryBytes)}`,
    String(n.replicas.length),
    Object.entries(n.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(",") || "-",
    n.addr,
  ]);
  const head = [
    "NODE",
    "ROLE",
    "AVAILABILITY",
    "STATE",
    "PLATFORM",
    "RESOURCES",
    "REPLICAS",
    "LABELS",
    "ADDRESS",
  ];
  console.log(table([head, ...rows]));
}

const initCommand: Command = {
  name: "cluster init",
  summary:
    "Make the server's Docker Engine a swarm manager (or adopt its swarm) and run new releases on the cluster.",
  usage:
    "pier cluster init [--advertise-addr ADDR] [--registry-host NAME] [--registry HOST[:PORT][/PATH] --registry-user U --registry-password-stdin]",
  flags: {
    "advertise-addr": { type: "string", value: "ADDR", help: "the address other nodes reach the manager at" },
    "registry-host": {
      type: "string",
      value: "NAME",
      help: "host name of the cluster's registry on pier's proxy; must resolve to the server (default registry.BASE_DOMAIN)",
    },
    "registry-tls": {
      type: "string",
      value: "cluster-ca|acme",
      help: "the registry's certificate: from the cluster's CA (pinned by join), or ACME",
    },
    registry: { type: "string", value: "ADDRESS", help: "use a registry you run instead of pier's" },
    "registry-user": { type: "string", value: "USER", help: "its user name" },
    "registry-password-stdin": { type: "boolean", help: "read its password from stdin" },
    json,
    ...connectionFlags,
  },
  async run(args) {
    const tls = str(args, "registry-tls");
    if (tls !== undefined && tls !== "cluster-ca" && tls !== "acme")
      throw new UsageError(`--registry-tls must be cluster-ca or acme, got "${tls}"`, this);
    const external = str(args, "registry");
    if (!external && (str(args, "registry-user") !== undefined || args.flags["registry-password-stdin"]))
      throw new UsageError("--registry-user and --registry-password-stdin go with --registry", this);
    const local = { advertiseAddr: str(args, "advertise-addr"), registryHost: str(args, "registry-host") };
    checked(
      initClusterBody,
      { ...local, registry: external ? { address: external, username: "u", password: "p" } : undefined },
      this,
    );
    let registry: { address: string; username: string; password: string } | undefined;
    if (external) {
      const username = requireStringFlag(args, "registry-user", this);
      if (!args.flags["registry-password-stdin"])
        throw new UsageError("--registry needs --registry-password-stdin (the password on stdin)", this);
      const password = (await Bun.stdin.text()).replace(/\r?\n$/, "");
      if (!password) throw new UsageError("no password on stdin", this);
      registry = { address: external, username, password };
    }
    console.error("Initialising the cluster (swarm, registry)...");
    const answer = await pierApi(resolveConnection(args)).call("POST /api/v1/cluster/init", {
      body: {
        ...local,
        registryTls: tls as "cluster-ca" | "acme" | undefined,
        registry,
      },
    });
    if (args.flags.json) {
      console.log(JSON.stringify(answer, null, 2));
      return 0;
    }
    const c = answer.cluster;
    console.log(
      `Cluster ${c.adopted ? "adopted" : "initialised"}: manager ${c.advertiseAddr} (${c.nodeId?.slice(0, 12)}), registry ${c.registry?.address}. New releases run on the cluster.`,
    );
    printJoin(answer.join);
    return 0;
  },
};

const joinCommandCommand: Command = {
  name: "cluster join-command",
  summary: "Print what to run on a new machine to join it to the cluster (admin: it holds the join token).",
  usage: "pier cluster join-command [--json]",
  flags: { json, ...connectionFlags },
  async run(args) {
    const { join } = await pierApi(resolveConnection(args)).call("GET /api/v1/cluster/join-command");
    if (args.flags.json) console.log(JSON.stringify(join, null, 2));
    else printJoin(join);
    return 0;
  },
};

const joinCommand: Command = {
  name: "cluster join",
  summary:
    "Join this machine's Docker Engine to a cluster (run here, as root; needs no pier server): trust the registry's CA, then swarm join.",
  usage:
    "pier cluster join MANAGER[:2377] --token TOKEN [--registry HOST:PORT --registry-ca-sha256 HEX] [--advertise-addr ADDR]",
  positionals: [{ name: "MANAGER", required: true }],
  flags: {
    token: {
      type: "string",
      value: "TOKEN",
      help: "the swarm join token (pier cluster join-command prints it)",
    },
    registry: { type: "string", value: "HOST:PORT", help: "the cluster's registry" },
    "registry-ca-sha256": { type: "string", value: "HEX", help: "SHA-256 of the cluster CA to trust for it" },
    "advertise-addr": { type: "string", value: "ADDR", help: "the address the others reach this node at" },
  },
  async run(args) {
    const token = requireStringFlag(args, "token", this);
    const registry = str(args, "registry");
    const pin = str(args, "registry-ca-sha256");
    if ((registry === undefined) !== (pin === undefined))
      throw new UsageError("--registry and --registry-ca-sha256 go together", this);
    const input = checked(
      joinArgs,
      {
        manager: args.positionals[0]!,
        token,
        registry,
        registryCaSha256: pin,
        advertiseAddr: str(args, "advertise-addr"),
      },
      this,
    );
    const { joinCluster } = await import("@pier/cluster/join");
    const joined = await joinCluster({ ...input, say: (line) => console.log(line) });
    console.log(
      joined.alreadyMember
        ? `This Docker Engine is already in a swarm (node ${joined.nodeId.slice(0, 12)}).`
        : `Joined the cluster as node ${joined.nodeId.slice(0, 12)}; pier cluster nodes on the manager lists it.`,
    );
    return 0;
  },
};

const nodesCommand: Command = {
  name: "cluster nodes",
  summary: "List the cluster's nodes: role, availability, state, platform, resources, replicas, labels.",
  usage: "pier cluster nodes [--json]",
  flags: { json, ...connectionFlags },
  async run(args) {
    const { nodes } = await pierApi(resolveConnection(args)).call("GET /api/v1/cluster/nodes");
    if (args.flags.json) console.log(JSON.stringify(nodes, null, 2));
    else printNodes(nodes);
    return 0;
  },
};

const labelCommand: Command = {
  name: "cluster label",
  summary:
    'Set (KEY=VALUE) and remove (KEY-) labels of a node; placement = ["node.labels.KEY==VALUE"] reads them.',
  usage: "pier cluster label NODE KEY=VALUE... KEY-...",
  positionals: [
    { name: "NODE", required: true },
    { name: "LABEL", required: true },
  ],
  variadic: true,
  flags: { json, ...connectionFlags },
  async run(args) {
    const set: Record<string, string> = {};
    const remove: string[] = [];
    for (const item of args.positionals.slice(1)) {
      const eq = item.indexOf("=");
      if (eq > 0) set[item.slice(0, eq)] = item.slice(eq + 1);
      else if (item.endsWith("-") && item.length > 1) remove.push(item.slice(0, -1));
      else throw new UsageError(`"${item}" is neither KEY=VALUE nor KEY-`, this);
    }
    for (const key of [...Object.keys(set), ...remove]) {
      const bad = labelKey.safeParse(key).error;
      if (bad) throw new UsageError(`label "${key}": ${bad.issues[0]!.message}`, this);
    }
    checked(labelsBody, { set, remove }, this);
    const { node: changed } = await pierApi(resolveConnection(args)).call(
      "PATCH /api/v1/cluster/nodes/:node/labels",
      { params: node(args), body: { set, remove } },
    );
    if (args.flags.json) console.log(JSON.stringify(changed, null, 2));
    else
      console.log(
        `${changed.hostname}: ${
          Object.entries(changed.labels)
            .map(([k, v]) => `${k}=${v}`)
            .join(", ") || "no labels"
        }`,
      );
    return 0;
  },
};

const drainCommand: Command = {
  name: "cluster drain",
  summary: "Move a node's replicas to other nodes without failing a request, and place nothing new there.",
  usage: "pier cluster drain NODE",
  positionals: nodeArg,
  flags: { json, ...connectionFlags },
  async run(args) {
    const answer = await pierApi(resolveConnection(args)).call("POST /api/v1/cluster/nodes/:node/drain", {
      params: node(args),
    });
    if (args.flags.json) console.log(JSON.stringify(answer, null, 2));
    else
      console.log(
        `${answer.node.hostname} drained: ${answer.drained} replica(s) left its routes; Swarm starts them on other nodes, routed once healthy.`,
      );
    return 0;
  },
};

const activateCommand: Command = {
  name: "cluster activate",
  summary: "Let the cluster place replicas on a drained node again.",
  usage: "pier cluster activate NODE",
  positionals: nodeArg,
  flags: { json, ...connectionFlags },
  async run(args) {
    const { node: changed } = await pierApi(resolveConnection(args)).call(
      "POST /api/v1/cluster/nodes/:node/activate",
      { params: node(args) },
    );
    if (args.flags.json) console.log(JSON.stringify(changed, null, 2));
    else console.log(`${changed.hostname} is ${changed.availability}.`);
    return 0;
  },
};

const removeCommand: Command = {
  name: "cluster remove",
  summary: "Remove a node from the cluster (drain it and run docker swarm leave on it first, or --force).",
  usage: "pier cluster remove NODE [--force]",
  positionals: nodeArg,
  flags: { force: { type: "boolean", help: "remove a node that is still up" }, ...connectionFlags },
  async run(args) {
    await pierApi(resolveConnection(args)).call("DELETE /api/v1/cluster/nodes/:node", {
      params: node(args),
      query: { force: args.flags.force ? "true" : undefined },
    });
    console.log(`${args.positionals[0]} removed from the cluster.`);
    return 0;
  },
};

export const clusterCommands: Command[] = [
  initCommand,
  joinCommandCommand,
  joinCommand,
  nodesCommand,
  labelCommand,
  drainCommand,
  activateCommand,
  removeCommand,
];
