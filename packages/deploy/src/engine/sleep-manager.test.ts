import { expect, test } from "bun:test";
import { createLogger } from "@pier/core";
import type { Stores } from "@pier/db";
import { defaultPierConfig } from "../pier-toml.ts";
import type { ReplicaRuntime, ReplicaSpec } from "../ports.ts";
import type { DeployEngine } from "./engine.ts";
import { ServingTable, servedEnvironment } from "./serving.ts";
import { SleepManager } from "./sleep.ts";

/** A SleepManager over fakes: one app with one live replica of dep_1, sleep_after 2 s. */
function setup(
  options: {
    startFails?: boolean;
    /** The database write of a sleep takes this long. */
    writeMs?: number;
    lastRequestAt?: (appId: string) => number | undefined;
    lastRouteRequestAt?: (idPrefix: string) => number | undefined;
  } = {},
) {
  const serving = new ServingTable();
  const environment = {
    id: "env_1",
    appId: "app_1",
    name: "production",
    kind: "production" as const,
    branch: "main",
    host: null,
    currentDeploymentId: "dep_1",
    sleepingSince: null as Date | null,
    createdAt: new Date(),
  };
  serving.set(
    servedEnvironment({ id: "app_1", name: "shop" }, environment, "dep_1", [
      { containerId: "c0", upstream: "127.0.0.1:4000" },
    ]),
  );
  const config = { ...defaultPierConfig, deploy: { ...defaultPierConfig.deploy, sleep_after: 2000 } };
  const stores = {
    apps: { findByName: async () => ({ id: "app_1", name: "shop" }) },
    environments: {
      findById: async () => environment,
      setSleeping: async (_id: string, since: Date | null) => {
        if (options.writeMs) await Bun.sleep(options.writeMs);
        environment.sleepingSince = since;
      },
    },
    deployments: {
      findById: async () => ({ id: "dep_1", image: "pier/shop:dep_1", meta: { kind: "image", config } }),
    },
  } as unknown as Stores;
  const started: ReplicaSpec[] = [];
  const removed: string[] = [];
  const runtime: ReplicaRuntime = {
    async start(spec) {
      started.push(spec);
      await Bun.sleep(20);
      if (options.startFails) throw new Error("no such image");
      return {
        containerId: `c${started.length}`,
        replica: spec.replica,
        hostPort: 4100,
        upstream: "127.0.0.1:4100",
      };
    },
    state: async () => ({ running: true, exitCode: null }),
    stop: async () => {},
    remove: async (id) => {
      removed.push(id);
    },
    tailLogs: async () => [],
  };
  const engine = {
    exclusive: <T>(_app: string, task: () => Promise<T>) => task(),
    isBusy: () => false,
    environmentEnv: async () => ({ FROM_PIER: "1" }),
    appNetworks: async () => ["pier-svc-db"],
  } as unknown as DeployEngine;
  let now = 1_000_000;
  let publishes = 0;
  // What the database said each time routes were published: the API must never find an
  // environment served as sleeping whose database row does not say since when.
  const sleepingAtPublish: (Date | null)[] = [];
  const manager = new SleepManager({
    stores,
    serving,
    runtime,
    engine,
    logger: createLogger({ level: "error" }),
    publishRoutes: async () => {
      publishes++;
      sleepingAtPublish.push(environment.sleepingSince);
    },
    lastRequestAt: options.lastRequestAt ?? (() => undefined),
    lastRouteRequestAt: options.lastRouteRequestAt,
    probe: async () => ({ healthy: true, detail: "HTTP 200" }),
    now: () => now,
  });
  return {
    manager,
    serving,
    environment,
    started,
    removed,
    publishes: () => publishes,
    sleepingAtPublish,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

test("idle past sleep_after: replicas removed, route kept as sleeping, remembered in the database", async () => {
  const t = setup();
  await t.manager.check();
  expect(t.manager.isSleeping("shop", "production")).toBe(false);
  t.advance(2500);
  await t.manager.check();
  expect(t.manager.isSleeping("shop", "production")).toBe(true);
  expect(t.serving.get("shop", "production")).toMatchObject({ sleeping: true, upstreams: [], replicas: [] });
  expect(t.removed).toEqual(["c0"]);
  expect(t.environment.sleepingSince).not.toBeNull();
  expect(t.publishes()).toBe(1);
  expect(t.sleepingAtPublish[0]).not.toBeNull();
});

test("with per-route activity, only requests to the environment's own routes keep it awake", async () => {
  const asked: string[] = [];
  let clock = 0;
  const t = setup({
    // Busy elsewhere in the app (another environment) all the time...
    lastRequestAt: () => clock,
    // ...but nothing on this environment's routes.
    lastRouteRequestAt: (prefix) => {
      asked.push(prefix);
      return undefined;
    },
  });
  await t.manager.check();
  t.advance(2500);
  clock = 1_000_000 + 2500;
  await t.manager.check();
  expect(t.manager.isSleeping("shop", "production")).toBe(true);
  expect(asked).toContain("deploy:env_1:");
});

test("concurrent wake-ups share one start; it resolves once routed, with the app's env", async () => {
  const t = setup();
  await t.manager.check();
  t.advance(2500);
  await t.manager.check();
  await Promise.all([
    t.manager.wake("shop", "production"),
    t.manager.wake("shop", "production"),
    t.manager.wakeRoute("deploy:env_1:shop.pier.test"),
  ]);
  expect(t.started).toHaveLength(1);
  expect(t.started[0]).toMatchObject({ deploymentId: "dep_1", image: "pier/shop:dep_1" });
  expect(t.started[0]!.envVars.FROM_PIER).toBe("1");
  expect(t.started[0]!.networks).toEqual(["pier-svc-db"]);
  expect(t.serving.get("shop", "production")).toMatchObject({
    sleeping: false,
    upstreams: ["127.0.0.1:4100"],
  });
  expect(t.environment.sleepingSince).toBeNull();
  // Awake: nothing to do, and another route id is not ours.
  await t.manager.wake("shop", "production");
  expect(t.started).toHaveLength(1);
  expect(await t.manager.wakeRoute("deploy:env_other:x.pier.test")).toBe(false);
});

test("a wake-up that fails rejects and leaves the environment asleep", async () => {
  const t = setup({ startFails: true });
  await t.manager.check();
  t.advance(2500);
  await t.manager.check();
  await expect(t.manager.wake("shop", "production")).rejects.toThrow(/no such image/);
  expect(t.manager.isSleeping("shop", "production")).toBe(true);
  expect(t.environment.sleepingSince).not.toBeNull();
});

test("stop waits for a sleep in progress to be written, and no check starts after it", async () => {
  const t = setup({ writeMs: 50 });
  await t.manager.check();
  t.advance(2500);
  const checking = t.manager.check();
  await Bun.sleep(5);
  await t.manager.stop();
  // The route already said sleeping; the database must say so too before pier goes on stopping.
  expect(t.environment.sleepingSince).not.toBeNull();
  await checking;
  t.serving.get("shop", "production")!.sleeping = false;
  t.serving.get("shop", "production")!.replicas = [{ containerId: "c9", upstream: "127.0.0.1:4009" }];
  t.advance(5000);
  await t.manager.check();
  expect(t.removed).toEqual(["c0"]);
});
