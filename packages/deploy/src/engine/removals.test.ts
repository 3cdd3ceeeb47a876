/**
 * Deleting an app while it deploys: the deploy ends cancelled ("app deleted during deploy"), never
 * live at a host nothing routes any more. Removing a preview tells the services at once. Static releases on the in-process runtime, with the
 * replica start or the route swap held open until the app is gone: no Docker needed.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newId } from "@pier/core";
import { type AppRow, createStores, openDatabase } from "@pier/db";
import { productionTarget, staticRelease, staticTestEngine } from "../../testing/static-engine.ts";
import type { ReplicaRuntime } from "../ports.ts";
import { createStaticReplicaRuntime } from "../static/static-replicas.ts";
import type { DeployLog } from "./deploy-log.ts";
import { appDeletedError } from "./engine.ts";
import type { TargetEnvironment } from "./environments.ts";
import { removePreview } from "./operations.ts";
import { ServingTable } from "./serving.ts";

const dataDir = mkdtempSync(join(tmpdir(), "pier-app-deleted-"));
const siteDir = join(dataDir, "site");
await Bun.write(join(siteDir, "index.html"), "hello");
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const stores = createStores(await openDatabase({ dataDir }));
const serving = new ServingTable();
const staticRuntime = createStaticReplicaRuntime();

/** A step of the deploy that waits until `open()`; `reached` settles when the deploy gets there. */
function gate() {
  let open = () => {};
  let arrive = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  const reached = new Promise<void>((resolve) => {
    arrive = resolve;
  });
  const wait = () => {
    arrive();
    return opened;
  };
  return { open, reached, wait };
}
let startGate: ReturnType<typeof gate> | undefined;
let publishGate: ReturnType<typeof gate> | undefined;

const runtime: ReplicaRuntime = {
  ...staticRuntime,
  async start(spec) {
    await startGate?.wait();
    return staticRuntime.start(spec);
  },
};
const engine = staticTestEngine({
  stores,
  dataDir,
  runtime,
  serving,
  publishRoutes: async () => {
    await publishGate?.wait();
    return { conflicts: [] };
  },
});

function deploy(app: AppRow, target: TargetEnvironment = productionTarget(app.name)) {
  return engine.start(app, target, { kind: "release", from: staticRelease(siteDir), reason: "restart" });
}

function linesOf(log: DeployLog): string {
  const lines: string[] = [];
  log.follow({ line: (line) => lines.push(line), end: () => {} })();
  return lines.join("\n");
}

/** What `pier apps delete` does to a deploy in flight: the row goes, then the engine is told. */
async function deleteApp(app: AppRow) {
  await stores.apps.deleteByName(app.name);
  engine.cancelForDeletedApp(app.name);
}

test("an app deleted while its replica starts: the deploy ends cancelled, not live", async () => {
  const app = await stores.apps.create({ id: newId("app"), name: "del-starting" });
  startGate = gate();
  const started = await deploy(app);
  await startGate.reached;
  await deleteApp(app);
  startGate.open();
  const final = await started.done;
  startGate = undefined;
  expect(final.status).toBe("cancelled");
  expect(final.error).toBe(appDeletedError);
  const log = linesOf(started.log);
  expect(log).toContain("del-starting was deleted during the deploy");
  expect(log).not.toContain("Live at");
  expect(serving.get("del-starting", "production")).toBeUndefined();
});

test("an app deleted while its routes switch: the deploy ends cancelled, not live", async () => {
  const app = await stores.apps.create({ id: newId("app"), name: "del-switching" });
  publishGate = gate();
  const started = await deploy(app);
  await publishGate.reached;
  await deleteApp(app);
  publishGate.open();
  const final = await started.done;
  publishGate = undefined;
  expect(final.status).toBe("cancelled");
  expect(final.error).toBe(appDeletedError);
  // The swap had begun: the route went out, but the deploy's last word is the cancellation, and
  // it never claimed to be live.
  const log = linesOf(started.log);
  expect(log.trim().split("\n").at(-1)).toContain("del-switching was deleted during the deploy");
  expect(log).not.toContain("Live at");
  await engine.idle();
  for (const replica of staticRuntime.list()) await staticRuntime.stop(replica.containerId, 0);
});

test("removing a preview tells the services at once, inside the app's deploy slot", async () => {
  const app = await stores.apps.create({ id: newId("app"), name: "previewed" });
  const preview = {
    name: "pr-1",
    kind: "preview" as const,
    branch: "pr-1",
    host: "pr-1--previewed.pier.test",
  };
  expect((await (await deploy(app, preview)).done).status).toBe("live");
  const told: string[] = [];
  const removed = await removePreview(
    {
      stores,
      engine,
      serving,
      runtime,
      publishRoutes: async () => {},
      async previewRemoved(removedFrom, environment) {
        // The environment's row is gone by then, and no deploy of the app can start meanwhile.
        expect(await stores.environments.findByName(removedFrom.id, environment)).toBeUndefined();
        expect(engine.isBusy(removedFrom.name)).toBe(true);
        told.push(`${removedFrom.name}/${environment}`);
      },
    },
    app,
    { name: "pr-1", branch: "pr-1" },
    () => {},
  );
  expect(removed).toBe(true);
  expect(told).toEqual(["previewed/pr-1"]);
});
