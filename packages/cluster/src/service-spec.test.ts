import { expect, test } from "bun:test";
import { apiAtLeast, chooseHostPort, releaseServiceSpec, serviceName } from "./service-spec.ts";

// The spec is plain JSON for the Engine; the test reads into it without restating its type.
// biome-ignore lint/suspicious/noExplicitAny: the Engine's service JSON
type Spec = Record<string, any>;

const spec = {
  app: "shop",
  env: "production",
  deploymentId: "dep_abc123",
  replica: 1,
  replicas: 3,
  image: "registry.example.com/pier/shop@sha256:00",
  port: 3000,
  envVars: { MESSAGE: "hi" },
  memoryBytes: 256 * 1024 * 1024,
  cpus: 0.5,
  pidsLimit: 512,
  readOnly: true,
  placement: ["node.labels.zone==b"],
  spread: "node" as const,
  stopGraceMs: 3000,
  healthPath: "/health",
};

test("service names are short, DNS-safe and keep the whole deployment id", () => {
  expect(serviceName("shop", "production", "dep_abc123")).toBe("pier-shop-production-dep-abc123");
  const long = serviceName(
    "a-very-long-application-name",
    "feature-branch-with-a-long-name",
    "dep_0123456789abcdef",
  );
  expect(long.length).toBeLessThanOrEqual(63);
  expect(long.endsWith("dep-0123456789abcdef")).toBe(true);
  expect(long).toMatch(/^[a-z0-9-]+$/);
});

test("a release's service: host-mode port without a fixed port, limits, placement, no Swarm updates", () => {
  const body = releaseServiceSpec({
    spec,
    name: "pier-shop",
    instance: "i1",
    platforms: ["linux/amd64"],
    hostNetwork: null,
    replicas: 3,
  }) as Spec;
  expect(body.Mode).toEqual({ Replicated: { Replicas: 3 } });
  expect(body.EndpointSpec).toEqual({
    Mode: "dnsrr",
    Ports: [{ Protocol: "tcp", TargetPort: 3000, PublishMode: "host" }],
  });
  const container = body.TaskTemplate.ContainerSpec;
  expect(container.Env).toContain("PORT=3000");
  expect(container.Env).toContain("MESSAGE=hi");
  expect(container.Init).toBe(true);
  expect(container.ReadOnly).toBe(true);
  expect(container.StopGracePeriod).toBe(3_000_000_000);
  expect(container.Labels["pier.cluster.health-path"]).toBe("/health");
  expect(container.Labels["pier.app"]).toBeUndefined();
  expect(container.Labels["pier.instance"]).toBe("swarm");
  expect(body.TaskTemplate.Resources.Limits).toEqual({
    MemoryBytes: 268435456,
    NanoCPUs: 500000000,
    Pids: 512,
  });
  expect(body.TaskTemplate.Placement.Constraints).toEqual(["node.labels.zone==b"]);
  expect(body.TaskTemplate.Placement.Platforms).toEqual([{ Architecture: "amd64", OS: "linux" }]);
  expect(body.UpdateConfig).toBeUndefined();
});

test("host networking: the app listens on the port pier chose, nothing is published", () => {
  const body = releaseServiceSpec({
    spec,
    name: "pier-shop",
    instance: "i1",
    platforms: ["linux/amd64", "linux/arm64"],
    hostNetwork: { networkId: "hostnet", port: 24321 },
    replicas: 3,
  }) as Spec;
  expect(body.TaskTemplate.ContainerSpec.Env).toContain("PORT=24321");
  expect(body.TaskTemplate.Networks).toEqual([{ Target: "hostnet" }]);
  expect(body.EndpointSpec).toEqual({ Mode: "dnsrr" });
  expect(body.Labels["pier.cluster.host-port"]).toBe("24321");
  expect(body.TaskTemplate.Placement.MaxReplicas).toBe(1);
});

test("host ports avoid those in use", () => {
  const port = chooseHostPort(new Set(), 42);
  expect(port).toBeGreaterThanOrEqual(20000);
  expect(chooseHostPort(new Set([port]), 42)).not.toBe(port);
  expect(() => chooseHostPort(new Set([20000, 20001]), 1, { from: 20000, to: 20001 })).toThrow(
    /no free port/,
  );
});

test("no-new-privileges only where the Engine's Swarm API takes it", () => {
  expect(apiAtLeast("1.41", "1.44")).toBe(false);
  expect(apiAtLeast("1.44", "1.44")).toBe(true);
  expect(apiAtLeast("1.47", "1.44")).toBe(true);
  expect(apiAtLeast("2.0", "1.44")).toBe(true);
  const body = releaseServiceSpec({
    spec,
    name: "pier-shop",
    instance: "i1",
    platforms: ["linux/amd64"],
    hostNetwork: null,
    replicas: 1,
    noNewPrivileges: true,
  }) as Spec;
  expect(body.TaskTemplate.ContainerSpec.Privileges).toEqual({ NoNewPrivileges: true });
});
