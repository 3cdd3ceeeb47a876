/**
 * Where a release may run, decided from pier.toml and the nodes Swarm reports: which nodes its
 * placement constraints allow, which platforms to build for them, and the Swarm placement of its
 * service. Pure: nodes are passed in.
 */

/** What pier needs to know of a swarm node. */
export interface NodeFacts {
  id: string;
  hostname: string;
  role: "manager" | "worker";
  availability: "active" | "pause" | "drain";
  /** Swarm's view: ready, down, disconnected, unknown. */
  state: string;
  /** As the Engine reports it: x86_64, aarch64, armv7l. */
  arch: string;
  os: string;
  addr: string;
  labels: Record<string, string>;
  engineLabels: Record<string, string>;
}

/** Nodes that cannot give a container its own network namespace carry this label (`=true`). */
export const hostNetworkLabel = "pier.network";

const archToPlatform: Record<string, string> = {
  x86_64: "linux/amd64",
  amd64: "linux/amd64",
  aarch64: "linux/arm64",
  arm64: "linux/arm64",
  armv7l: "linux/arm/v7",
  armv6l: "linux/arm/v6",
  i386: "linux/386",
  i686: "linux/386",
  ppc64le: "linux/ppc64le",
  s390x: "linux/s390x",
  riscv64: "linux/riscv64",
};

/** `x86_64` -> `linux/amd64`, `aarch64` -> `linux/arm64` (the OCI names images use). */
export function platformOfArch(arch: string, os = "linux"): string {
  const known = archToPlatform[arch];
  return known ?? `${os}/${arch}`;
}

/** `linux/arm/v7` -> the parts Swarm's Placement.Platforms and image configs use. */
export function splitPlatform(platform: string): { os: string; architecture: string; variant?: string } {
  const [os = "linux", architecture = "amd64", variant] = platform.split("/");
  return variant ? { os, architecture, variant } : { os, architecture };
}

/** A short name for deploy logs and tags: linux/amd64 -> amd64, linux/arm/v7 -> arm-v7. */
export function platformTag(platform: string): string {
  return platform.split("/").slice(1).join("-");
}

const constraintPattern = /^([a-z][a-zA-Z0-9_.-]*)\s*(==|!=)\s*(.+)$/;

/** The value of a constraint's left-hand side for a node; undefined for an unknown key. */
function nodeValue(node: NodeFacts, key: string): string | undefined {
  if (key === "node.id") return node.id;
  if (key === "node.hostname") return node.hostname;
  if (key === "node.role") return node.role;
  if (key === "node.platform.os") return node.os;
  if (key === "node.platform.arch") return node.arch;
  if (key.startsWith("node.labels.")) return node.labels[key.slice("node.labels.".length)];
  if (key.startsWith("engine.labels.")) return node.engineLabels[key.slice("engine.labels.".length)];
  return undefined;
}

/**
 * Swarm's constraint semantics: `==` needs the value (case-insensitive, like Swarm compares
 * them), `!=` holds when the value differs or the key is absent.
 */
export function matchesConstraint(node: NodeFacts, constraint: string): boolean {
  const match = constraintPattern.exec(constraint.trim());
  if (!match) return false;
  const [, key, op, expected] = match as unknown as [string, string, string, string];
  const actual = nodeValue(node, key);
  const equal = actual !== undefined && actual.toLowerCase() === expected.trim().toLowerCase();
  return op === "==" ? equal : !equal;
}

/** Nodes whose labels and platform allow the release (whatever their state: a node may come back). */
export function allowedNodes(nodes: NodeFacts[], placement: string[]): NodeFacts[] {
  return nodes.filter((node) => placement.every((c) => matchesConstraint(node, c)));
}

/** Nodes that can take a task now: allowed, ready and active. */
export function schedulableNodes(nodes: NodeFacts[], placement: string[]): NodeFacts[] {
  return allowedNodes(nodes, placement).filter((n) => n.state === "ready" && n.availability === "active");
}

export interface PlatformChoice {
  /** What to build, the builder's own platform first. */
  build: string[];
  /** Platforms pier.toml asked for that no allowed node has (built anyway: nodes may join). */
  withoutNodes: string[];
}

/**
 * The platforms to build a release for: those of the nodes its placement allows, or pier.toml's
 * `platforms` when given. The builder's platform first: it is built natively, with the build log
 * the user sees; the others follow under emulation.
 */
export function choosePlatforms(input: {
  nodes: NodeFacts[];
  placement: string[];
  wanted?: string[];
  native: string;
}): PlatformChoice {
  const present = new Set(
    allowedNodes(input.nodes, input.placement).map((n) => platformOfArch(n.arch, n.os)),
  );
  const chosen = input.wanted?.length ? [...new Set(input.wanted)] : [...present];
  if (chosen.length === 0) chosen.push(input.native);
  chosen.sort((a, b) => (a === input.native ? -1 : b === input.native ? 1 : a.localeCompare(b)));
  return { build: chosen, withoutNodes: chosen.filter((p) => !present.has(p)) };
}

/** Whether a release with this placement and these platforms may land on a host-network-only node. */
export function needsHostNetwork(nodes: NodeFacts[], placement: string[], platforms: string[]): boolean {
  const runnable = new Set(platforms);
  return allowedNodes(nodes, placement).some(
    (n) => n.labels[hostNetworkLabel] === "host" && runnable.has(platformOfArch(n.arch, n.os)),
  );
}

export interface SwarmPlacement {
  Constraints: string[];
  Preferences: { Spread: { SpreadDescriptor: string } }[];
  Platforms: { Architecture: string; OS: string }[];
}

/**
 * The Placement of a release's service. Swarm's scheduler already spreads the tasks of one
 * service over the nodes with the fewest of them; the spread preference on node.id says so
 * explicitly, and unlike max-replicas-per-node it still lets a lost node's replicas move onto the
 * remaining nodes. Platforms restrict the service to nodes the built image has a variant for.
 */
export function swarmPlacement(input: {
  placement: string[];
  spread: "node" | "none";
  platforms: string[];
}): SwarmPlacement {
  return {
    Constraints: input.placement.map((c) => c.replace(/\s+/g, "")),
    Preferences: input.spread === "node" ? [{ Spread: { SpreadDescriptor: "node.id" } }] : [],
    Platforms: input.platforms.map((p) => {
      const { os, architecture } = splitPlatform(p);
      return { Architecture: architecture, OS: os };
    }),
  };
}

/**
 * Why no node can take a release, from what pier knows, in words for the deploy log: the
 * constraints that exclude every node, or the platforms missing.
 */
export function explainUnplaceable(input: {
  nodes: NodeFacts[];
  placement: string[];
  platforms: string[];
}): string | null {
  const ready = input.nodes.filter((n) => n.state === "ready" && n.availability === "active");
  if (ready.length === 0) return "no node is ready and active";
  const allowed = schedulableNodes(input.nodes, input.placement);
  if (allowed.length === 0)
    return `no ready node satisfies ${input.placement.join(" and ")} (nodes: ${ready.map((n) => `${n.hostname} ${describeLabels(n)}`).join("; ")})`;
  const platforms = new Set(input.platforms);
  if (!allowed.some((n) => platforms.has(platformOfArch(n.arch, n.os))))
    return `the release has images for ${input.platforms.join(", ")} only, and the nodes its placement allows are ${[...new Set(allowed.map((n) => platformOfArch(n.arch, n.os)))].join(", ")}`;
  return null;
}

function describeLabels(node: NodeFacts): string {
  const labels = Object.entries(node.labels).map(([k, v]) => `${k}=${v}`);
  return labels.length ? `[${labels.join(", ")}]` : "[no labels]";
}
