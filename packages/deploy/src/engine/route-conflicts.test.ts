/**
 * A deploy whose own host another route holds (a custom domain of another app, stored before pier
 * refused such domains) fails, and leaves nothing behind that would fail every later publish.
 * Static releases on the in-process runtime: no Docker needed.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newId } from "@pier/core";
import { type AppRow, createStores, openDatabase } from "@pier/db";
import { resolveRouteConflicts } from "@pier/proxy";
import { productionTarget, staticRelease, staticTestEngine } from "../../testing/static-engine.ts";
import { createStaticReplicaRuntime } from "../static/static-replicas.ts";
import { appRoutes, ServingTable } from "./serving.ts";

const baseDomain = "pier.test";
const dataDir = mkdtempSync(join(tmpdir(), "pier-route-conflicts-"));
const siteDir = join(dataDir, "site");
await Bun.write(join(siteDir, "index.html"), "hello");
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const stores = createStores(await openDatabase({ dataDir }));
const serving = new ServingTable();
const runtime = createStaticReplicaRuntime();
/** What the proxy serves: the ids of the routes the last publish kept, as the proxy pool keeps them. */
let served = new Set<string>();
const publishRoutes = async () => {
  const domainsByApp = new Map<string, string[]>();
  for (const d of await stores.domains.listAll())
    domainsByApp.set(d.appId, [...(domainsByApp.get(d.appId) ?? []), d.host]);
  const { routes, conflicts } = resolveRouteConflicts(
    appRoutes(serving.list(), domainsByApp, baseDomain),
    served,
  );
  served = new Set(routes.map((r) => r.id));
  return { conflicts };
};
const engine = staticTestEngine({ stores, dataDir, runtime, serving, publishRoutes });

/** Runs the static site in `siteDir` as a release: no build. */
async function deploy(app: AppRow) {
  const started = await engine.start(app, productionTarget(app.name, baseDomain), {
    kind: "release",
    from: staticRelease(siteDir),
    reason: "restart",
  });
  return started.done;
}

test("a deploy whose host is another app's custom domain fails by name and blocks no other deploy", async () => {
  const a = await stores.apps.create({ id: newId("app"), name: "rvd-a" });
  // Stored before pier refused it: rvd-a answers at the host rvd-d will be given.
  await stores.domains.add({ id: newId("dom"), appId: a.id, host: "rvd-d.pier.test" });
  expect((await deploy(a)).status).toBe("live");

  const d = await stores.apps.create({ id: newId("app"), name: "rvd-d" });
  const failed = await deploy(d);
  expect(failed.status).toBe("failed");
  expect(failed.error).toContain("rvd-d.pier.test is a custom domain of rvd-a");
  expect(failed.error).toContain("pier domains remove rvd-d.pier.test --app rvd-a");
  // The failed environment's route is gone from the serving table, so later publishes stay clean.
  expect(serving.get("rvd-d", "production")).toBeUndefined();
  expect((await publishRoutes()).conflicts).toEqual([]);
  expect([...served].some((id) => id.endsWith(":rvd-d.pier.test"))).toBe(true);

  // Every other app deploys as before.
  expect((await deploy(a)).status).toBe("live");
  await engine.idle();
  for (const replica of runtime.list()) await runtime.stop(replica.containerId, 0);
});
