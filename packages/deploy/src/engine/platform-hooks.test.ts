/**
 * The modules of `pier serve` start one after the other, deploy before services: a release the
 * deploy module starts again during its own start (its containers were gone) must still get the
 * env and networks of the services linked to its app. A real DeployEngine, the real platform hooks
 * and capability registry; a static release on the in-process runtime (no Docker needed), whose
 * replica spec is what a container would have been started with.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newId, silentLogger } from "@pier/core";
import { createStores, type DeploymentRow, openDatabase } from "@pier/db";
import { capabilityRegistry } from "@pier/platform";
import { productionTarget, staticRelease, staticTestEngine } from "../../testing/static-engine.ts";
import type { ReplicaRuntime, ReplicaSpec } from "../ports.ts";
import { createStaticReplicaRuntime } from "../static/static-replicas.ts";
import { platformDeployHooks } from "./platform-hooks.ts";

const dataDir = mkdtempSync(join(tmpdir(), "pier-platform-hooks-"));
const siteDir = join(dataDir, "site");
await Bun.write(join(siteDir, "index.html"), "hello");
const database = await openDatabase({ dataDir });
const stores = createStores(database);
const staticRuntime = createStaticReplicaRuntime();
afterAll(async () => {
  await staticRuntime.stopAll();
  database.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test("a release started again during deploy's start gets the env and networks of services started after deploy", async () => {
  const registry = capabilityRegistry();
  const specs: ReplicaSpec[] = [];
  const runtime: ReplicaRuntime = {
    ...staticRuntime,
    async start(spec) {
      specs.push(spec);
      return staticRuntime.start(spec);
    },
  };
  const engine = staticTestEngine({
    stores,
    dataDir,
    runtime,
    hooks: platformDeployHooks(registry.capabilities, silentLogger, registry.modulesStarted),
  });
  const app = await stores.apps.create({ id: newId("app"), name: "shop" });
  const lost = staticRelease(siteDir);

  let restarted: Promise<DeploymentRow> | undefined;
  let envAsLivenessReadsIt: Promise<Record<string, string>> | undefined;
  // In the order of apps/pier/src/modules.ts: deploy first, services (linked databases) later.
  const modules = [
    async () => {
      // What reconcile does for a live release without replicas: started, not awaited.
      restarted = (
        await engine.start(app, productionTarget("shop"), { kind: "release", from: lost, reason: "restart" })
      ).done;
      const environment = (await stores.environments.findByName(app.id, "production"))!;
      // What a liveness replacement or a wake-up reads for its replica.
      envAsLivenessReadsIt = engine.environmentEnv(app, environment, lost.id);
    },
    async () => {
      // The services module has start-up work of its own before it provides its capability.
      await Bun.sleep(300);
      registry.provide("services", {
        envFor: async () => ({ DATABASE_URL: "postgres://shop-db:5432/shop" }),
        networksFor: async () => ["pier-link-shop"],
        environmentRemoved: async () => {},
        appRemoved: async () => {},
      });
    },
  ];
  for (const start of modules) await start();
  registry.allStarted();

  expect((await restarted!).status).toBe("live");
  expect(specs).toHaveLength(1);
  expect(specs[0]!.envVars).toMatchObject({ DATABASE_URL: "postgres://shop-db:5432/shop" });
  expect(specs[0]!.networks).toEqual(["pier-link-shop"]);
  expect(await envAsLivenessReadsIt!).toMatchObject({ DATABASE_URL: "postgres://shop-db:5432/shop" });
  await engine.idle();
}, 30_000);
