import { describe, expect, test } from "bun:test";
import { createServer } from "node:net";
import { DeployQueue } from "./deploy-queue.ts";
import { DeployFailedError, ReplicaExitedError } from "./errors.ts";
import { type HealthProbe, probeHttp } from "./health-check.ts";
import { parsePierToml } from "./pier-toml.ts";
import type { DeploymentPatch, ReplicaRuntime, ReplicaSpec } from "./ports.ts";
import { type RolloutPorts, type RolloutRequest, runRollout } from "./rollout.ts";

const config = parsePierToml(`
[health]
path = "/up"
interval = "10ms"
timeout = "50ms"
[deploy]
replicas = 2
timeout = "300ms"
drain_timeout = "20ms"
stop_timeout = "1s"
[env]
FROM_TOML = "1"
`);

/** An in-memory runtime recording every call; `behaviour` decides what each replica does. */
function fakeWorld(
  behaviour: {
    failStart?: number;
    exitAtStart?: number;
    exits?: number;
    healthyAfterProbes?: number;
    swapFails?: boolean;
  } = {},
) {
  const events: string[] = [];
  const specs: ReplicaSpec[] = [];
  const alive = new Set<string>();
  const probes = new Map<string, number>();
  let nextPort = 40000;
  const runtime: ReplicaRuntime = {
    async start(spec) {
      if (behaviour.failStart === spec.replica) throw new Error("port is already allocated");
      if (behaviour.exitAtStart === spec.replica) {
        throw new ReplicaExitedError(1, [
          `${spec.deploymentId}-${spec.replica}: fatal: missing DATABASE_URL`,
        ]);
      }
      const containerId = `${spec.deploymentId}-${spec.replica}`;
      specs.push(spec);
      alive.add(containerId);
      events.push(`start ${containerId}`);
      const hostPort = nextPort++;
      return { containerId, replica: spec.replica, hostPort, upstream: `127.0.0.1:${hostPort}` };
    },
    async state(id) {
      const exited = behaviour.exits !== undefined && id.endsWith(`-${behaviour.exits}`);
      return exited ? { running: false, exitCode: 1 } : { running: alive.has(id), exitCode: null };
    },
    async stop(id) {
      events.push(`stop ${id}`);
    },
    async remove(id) {
      alive.delete(id);
      events.push(`remove ${id}`);
    },
    async tailLogs(id) {
      return [`${id}: Error: cannot connect to database`];
    },
  };
  const probe: HealthProbe = async (url) => {
    const n = (probes.get(url) ?? 0) + 1;
    probes.set(url, n);
    const healthy = n >= (behaviour.healthyAfterProbes ?? 1);
    return { healthy, detail: healthy ? "HTTP 200" : "HTTP 503" };
  };
  const patches: DeploymentPatch["status"][] = [];
  const ports: RolloutPorts = {
    runtime,
    probe,
    queue: new DeployQueue(),
    routes: {
      async setAppUpstreams(app, env, upstreams) {
        events.push(`routes ${app}/${env} -> ${upstreams.join(",")}`);
        if (behaviour.swapFails && upstreams[0] !== "127.0.0.1:1")
          throw new Error("worker 2 did not acknowledge");
      },
    },
    recorder: {
      async update(_id, patch) {
        patches.push(patch.status);
      },
    },
  };
  return { ports, events, specs, patches, alive };
}

function request(overrides: Partial<RolloutRequest> = {}): RolloutRequest & { lines: string[] } {
  const lines: string[] = [];
  return {
    appId: "shop",
    env: "production",
    deploymentId: "d2",
    image: "pier/shop:d2",
    config,
    envVars: { DATABASE_URL: "postgres://x" },
    previous: [{ containerId: "d1-1", upstream: "127.0.0.1:1" }],
    onProgress: (line) => lines.push(line),
    ...overrides,
    lines,
  };
}

describe("runRollout", () => {
  test("starts, health checks, swaps, then drains and removes the old release", async () => {
    const world = fakeWorld({ healthyAfterProbes: 3 });
    const req = request();
    const result = await runRollout(world.ports, req);
    expect(result.upstreams).toEqual(["127.0.0.1:40000", "127.0.0.1:40001"]);
    // The old replica is untouched until routes are acknowledged.
    expect(world.events).toEqual([
      "start d2-1",
      "start d2-2",
      "routes shop/production -> 127.0.0.1:40000,127.0.0.1:40001",
    ]);
    await result.retired;
    expect(world.events.slice(3)).toEqual(["stop d1-1", "remove d1-1"]);
    expect(world.patches).toEqual(["starting", "health_checking", "switching", "live"]);
    expect(world.specs[0]!.envVars).toEqual({ FROM_TOML: "1", DATABASE_URL: "postgres://x" });
    expect(req.lines).toContain("Switching traffic to the new release");
    expect(req.lines.some((l) => /replica 2 healthy after/.test(l))).toBe(true);
  });

  test("a replica that crashes fails the deploy fast, with its last log lines; old release untouched", async () => {
    const world = fakeWorld({ exits: 2, healthyAfterProbes: 1000 });
    const req = request();
    const started = performance.now();
    const error = await runRollout(world.ports, req).catch((e) => e);
    expect(error).toBeInstanceOf(DeployFailedError);
    expect(error.reason).toBe("HEALTH_CHECK_FAILED");
    expect(error.message).toContain("exited with code 1");
    expect(error.logTail).toEqual(["d2-2: Error: cannot connect to database"]);
    expect(performance.now() - started).toBeLessThan(250);
    expect(world.events.filter((e) => e.startsWith("routes"))).toEqual([]);
    expect(world.events).not.toContain("stop d1-1");
    expect([...world.alive]).toEqual([]);
    expect(world.patches.at(-1)).toBe("failed");
    expect(req.lines).toContain("The previous release keeps serving");
  });

  test("a replica that crashed while refusing probes says the app exited, not to check $PORT", async () => {
    const world = fakeWorld({ exits: 1, healthyAfterProbes: 1000 });
    world.ports.probe = async () => ({ healthy: false, detail: "connection refused" });
    const req = request();
    const error = await runRollout(world.ports, req).catch((e) => e);
    expect(error.reason).toBe("HEALTH_CHECK_FAILED");
    expect(error.message).toBe(
      "replica 1 failed its health check on /up: the app exited with code 1 before it was healthy: see its output above",
    );
    expect(error.message).not.toContain("$PORT");
    // "above": the app's last lines come before the failure in the deploy log.
    const failedAt = req.lines.findIndex((l) => l.startsWith("Deploy failed:"));
    expect(req.lines[failedAt - 1]).toBe("  | d2-1: Error: cannot connect to database");
  });

  test("a replica that never answers 2xx/3xx fails at the deploy timeout", async () => {
    const world = fakeWorld({ healthyAfterProbes: 1000 });
    const error = await runRollout(world.ports, request()).catch((e) => e);
    expect(error.reason).toBe("HEALTH_CHECK_FAILED");
    expect(error.message).toContain("not healthy within 0.3s (last probe: HTTP 503)");
    expect([...world.alive]).toEqual([]);
  });

  test("a replica not listening on $PORT fails with a plain reason and the port to listen on", async () => {
    // Docker's port proxy accepts and closes at once when nothing listens inside the container.
    const proxy = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", () => resolve()));
    const proxyPort = (proxy.address() as { port: number }).port;
    const world = fakeWorld();
    const start = world.ports.runtime.start;
    world.ports.runtime.start = async (spec) => ({
      ...(await start(spec)),
      upstream: `127.0.0.1:${proxyPort}`,
    });
    world.ports.probe = probeHttp;
    // Real sockets: a probe timeout with room for a loaded machine, so the last probe's failure
    // is the reset, not a timeout of its own.
    const roomy = parsePierToml(`
[health]
path = "/up"
interval = "10ms"
timeout = "2s"
[deploy]
timeout = "3s"
`);
    try {
      const error = await runRollout(world.ports, request({ config: roomy })).catch((e) => e);
      expect(error.reason).toBe("HEALTH_CHECK_FAILED");
      expect(error.message).toContain("(last probe: connection reset)");
      expect(error.message).toContain("Is the app listening on $PORT (3000)?");
      expect(error.message).not.toContain("verbose");
    } finally {
      proxy.close();
    }
  });

  test("a replica whose process exits at once fails like a crash while probed, with its log lines", async () => {
    const world = fakeWorld({ exitAtStart: 2 });
    const error = await runRollout(world.ports, request()).catch((e) => e);
    expect(error.reason).toBe("HEALTH_CHECK_FAILED");
    expect(error.message).toContain("the app exited with code 1 before it was healthy: see its output above");
    expect(error.logTail).toEqual(["d2-2: fatal: missing DATABASE_URL"]);
    expect(world.events).toEqual(["start d2-1", "remove d2-1"]);
  });

  test("a replica that cannot start removes the ones already started", async () => {
    const world = fakeWorld({ failStart: 2 });
    const error = await runRollout(world.ports, request()).catch((e) => e);
    expect(error.reason).toBe("REPLICA_START_FAILED");
    expect(error.message).toContain("port is already allocated");
    expect(world.events).toEqual(["start d2-1", "remove d2-1"]);
  });

  test("a route swap not acknowledged puts the previous upstreams back", async () => {
    const world = fakeWorld({ swapFails: true });
    const error = await runRollout(world.ports, request()).catch((e) => e);
    expect(error.reason).toBe("ROUTE_SWAP_FAILED");
    expect(world.events.filter((e) => e.startsWith("routes")).at(-1)).toBe(
      "routes shop/production -> 127.0.0.1:1",
    );
    expect([...world.alive]).toEqual([]);
  });

  test("deploys of one app are serialised; other apps are not held up", async () => {
    const world = fakeWorld({ healthyAfterProbes: 4 });
    const first = runRollout(world.ports, request({ deploymentId: "a" }));
    const second = runRollout(world.ports, request({ deploymentId: "b" }));
    const other = runRollout(world.ports, request({ appId: "blog", deploymentId: "c", previous: [] }));
    await Promise.all([first, second, other]);
    const order = world.events.filter((e) => e.startsWith("start") || e.startsWith("routes shop"));
    // b starts only after a switched traffic.
    expect(order.indexOf("start b-1")).toBeGreaterThan(order.findIndex((e) => e.includes("40000")));
    expect(world.events.indexOf("start c-1")).toBeLessThan(world.events.indexOf("start b-1"));
  });

  test("cancelling during health checks cleans up", async () => {
    const world = fakeWorld({ healthyAfterProbes: 1000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const error = await runRollout(world.ports, request({ signal: controller.signal })).catch((e) => e);
    expect(error.reason).toBe("DEPLOY_CANCELLED");
    expect([...world.alive]).toEqual([]);
  });

  test('strategy "stop-first": the old release is unrouted and stopped before the new one starts; networks and volumes reach the replicas', async () => {
    const world = fakeWorld();
    const stopFirst = {
      ...config,
      deploy: { ...config.deploy, replicas: 1, strategy: "stop-first" as const },
      volumes: [{ name: "data", path: "/data" }],
    };
    const result = await runRollout(world.ports, request({ config: stopFirst, networks: ["pier-app-shop"] }));
    await result.retired;
    expect(world.events).toEqual([
      "routes shop/production -> ",
      "stop d1-1",
      "remove d1-1",
      "start d2-1",
      "routes shop/production -> 127.0.0.1:40000",
    ]);
    expect(world.specs[0]!.networks).toEqual(["pier-app-shop"]);
    expect(world.specs[0]!.volumes).toEqual([{ name: "data", path: "/data" }]);
  });
});
