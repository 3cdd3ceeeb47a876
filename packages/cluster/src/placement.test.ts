import { describe, expect, test } from "bun:test";
import {
  allowedNodes,
  choosePlatforms,
  explainUnplaceable,
  matchesConstraint,
  type NodeFacts,
  needsHostNetwork,
  platformOfArch,
  swarmPlacement,
} from "./placement.ts";

const node = (id: string, extra: Partial<NodeFacts> = {}): NodeFacts => ({
  id,
  hostname: `host-${id}`,
  role: "worker",
  availability: "active",
  state: "ready",
  arch: "x86_64",
  os: "linux",
  addr: `10.0.0.${id}`,
  labels: {},
  engineLabels: {},
  ...extra,
});

const nodes = [
  node("1", { role: "manager", labels: { zone: "a" } }),
  node("2", { labels: { zone: "b" } }),
  node("3", { labels: { zone: "b", disk: "ssd" } }),
  node("4", { arch: "aarch64", labels: { "pier.network": "host", board: "raspberry-pi" } }),
];

describe("constraints", () => {
  test("== and != on labels, role, platform, hostname and id, like Swarm", () => {
    expect(matchesConstraint(nodes[1]!, "node.labels.zone==b")).toBe(true);
    expect(matchesConstraint(nodes[0]!, "node.labels.zone == b")).toBe(false);
    expect(matchesConstraint(nodes[0]!, "node.labels.disk!=ssd")).toBe(true);
    expect(matchesConstraint(nodes[2]!, "node.labels.disk!=ssd")).toBe(false);
    expect(matchesConstraint(nodes[0]!, "node.role==manager")).toBe(true);
    expect(matchesConstraint(nodes[3]!, "node.platform.arch==aarch64")).toBe(true);
    expect(matchesConstraint(nodes[3]!, "node.hostname==HOST-4")).toBe(true);
    expect(matchesConstraint(nodes[3]!, "node.id==4")).toBe(true);
    expect(matchesConstraint(nodes[3]!, "nonsense")).toBe(false);
  });

  test("allowed nodes satisfy every constraint", () => {
    expect(allowedNodes(nodes, ["node.labels.zone==b"]).map((n) => n.id)).toEqual(["2", "3"]);
    expect(allowedNodes(nodes, ["node.labels.zone==b", "node.labels.disk==ssd"]).map((n) => n.id)).toEqual([
      "3",
    ]);
    expect(allowedNodes(nodes, []).length).toBe(4);
  });
});

describe("platforms", () => {
  test("Engine architectures become OCI platforms", () => {
    expect(platformOfArch("x86_64")).toBe("linux/amd64");
    expect(platformOfArch("aarch64")).toBe("linux/arm64");
    expect(platformOfArch("armv7l")).toBe("linux/arm/v7");
  });

  test("every platform the placement allows, the builder's first; pier.toml's list wins", () => {
    expect(choosePlatforms({ nodes, placement: [], native: "linux/amd64" })).toEqual({
      build: ["linux/amd64", "linux/arm64"],
      withoutNodes: [],
    });
    expect(
      choosePlatforms({ nodes, placement: ["node.labels.zone==b"], native: "linux/amd64" }).build,
    ).toEqual(["linux/amd64"]);
    expect(
      choosePlatforms({ nodes, placement: ["node.labels.board==raspberry-pi"], native: "linux/amd64" }).build,
    ).toEqual(["linux/arm64"]);
    expect(
      choosePlatforms({
        nodes,
        placement: [],
        wanted: ["linux/arm/v7", "linux/amd64"],
        native: "linux/amd64",
      }),
    ).toEqual({ build: ["linux/amd64", "linux/arm/v7"], withoutNodes: ["linux/arm/v7"] });
  });

  test("a release that may land on a host-network-only node runs with host networking", () => {
    expect(needsHostNetwork(nodes, [], ["linux/amd64", "linux/arm64"])).toBe(true);
    expect(needsHostNetwork(nodes, [], ["linux/amd64"])).toBe(false);
    expect(needsHostNetwork(nodes, ["node.labels.zone==b"], ["linux/arm64"])).toBe(false);
  });
});

describe("placement of a release's service", () => {
  test("constraints, a spread over nodes and the image's platforms", () => {
    expect(
      swarmPlacement({
        placement: ["node.labels.zone == b"],
        spread: "node",
        platforms: ["linux/amd64", "linux/arm64"],
      }),
    ).toEqual({
      Constraints: ["node.labels.zone==b"],
      Preferences: [{ Spread: { SpreadDescriptor: "node.id" } }],
      Platforms: [
        { Architecture: "amd64", OS: "linux" },
        { Architecture: "arm64", OS: "linux" },
      ],
    });
    expect(swarmPlacement({ placement: [], spread: "none", platforms: ["linux/amd64"] }).Preferences).toEqual(
      [],
    );
  });

  test("why nothing can run it, in words", () => {
    expect(
      explainUnplaceable({ nodes, placement: ["node.labels.zone==c"], platforms: ["linux/amd64"] }),
    ).toContain("no ready node satisfies node.labels.zone==c");
    expect(
      explainUnplaceable({
        nodes,
        placement: ["node.labels.board==raspberry-pi"],
        platforms: ["linux/amd64"],
      }),
    ).toContain("images for linux/amd64 only");
    expect(
      explainUnplaceable({ nodes, placement: ["node.labels.zone==b"], platforms: ["linux/amd64"] }),
    ).toBeNull();
    const drained = nodes.map((n) => ({ ...n, availability: "drain" as const }));
    expect(explainUnplaceable({ nodes: drained, placement: [], platforms: ["linux/amd64"] })).toBe(
      "no node is ready and active",
    );
  });
});
