/**
 * What goes with a deleted preview or app right away, not at the 10-minute sweep: a preview's own
 * database, a deleted app's links and its `pier-app-APP` network. Against a real Docker Engine and
 * pier-base/postgres:15 (skips outside CI without them).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger, newId } from "@pier/core";
import { loadOrCreateInstanceId } from "@pier/deploy";
import { dockerWithImage } from "@pier/deploy/testing";
import { servicesTestContext } from "../testing/services-test-context.ts";
import { psql } from "./commands.ts";
import { execChecked } from "./docker/exec.ts";
import { appNetworkName, serviceContainerName } from "./docker/names.ts";

const image = "pier-base/postgres:15";
const { docker, ready } = await dockerWithImage(image);

const suffix = Date.now().toString(36);
const service = `cleanup-${suffix}`;
const dataDir = mkdtempSync(join(tmpdir(), "pier-svc-cleanup-"));
const warnings: string[] = [];
const extraContainers: string[] = [];

const world = () =>
  servicesTestContext(dataDir, {
    docker,
    logger: createLogger({ level: "warn", write: (line) => warnings.push(line) }),
  });

const networkExists = (name: string) =>
  docker
    .getNetwork(name)
    .inspect()
    .then(
      () => true,
      () => false,
    );

afterAll(async () => {
  for (const id of extraContainers)
    await docker
      .getContainer(id)
      .remove({ force: true })
      .catch(() => {});
  await docker
    .getContainer(serviceContainerName(service))
    .remove({ force: true, v: true })
    .catch(() => {});
  for (const name of [
    `pier-svc-${service}`,
    appNetworkName(`shop-${suffix}`),
    appNetworkName(`busy-${suffix}`),
    ...["own", "other", "old"].map((app) => appNetworkName(`${app}-${suffix}`)),
  ])
    await docker
      .getNetwork(name)
      .remove()
      .catch(() => {});
  await docker
    .getVolume(`pier-svc-${service}-data`)
    .remove()
    .catch(() => {});
  rmSync(dataDir, { recursive: true, force: true });
});

describe.skipIf(!ready)("links of deleted previews and apps", () => {
  test("a removed preview's database is dropped at once; a deleted app's link and network go, and it is not shown as linked", async () => {
    process.env.PIER_SERVICE_IMAGE_POSTGRES_15 = image;
    const { stores, ctx, manager, links } = await world();
    const row = await manager.create({ name: service, kind: "postgres", version: "15" });
    const credentials = await ctx.credentials(row);
    const databases = async () =>
      (
        await execChecked(
          docker,
          serviceContainerName(service),
          psql(credentials, "SELECT datname FROM pg_database"),
        )
      ).stdout
        .trim()
        .split("\n");

    const app = await stores.apps.create({ id: newId("app"), name: `shop-${suffix}` });
    await links.link(service, app.name);
    expect(await networkExists(appNetworkName(app.name))).toBe(true);
    const env = await stores.environments.ensure({
      id: newId("env"),
      appId: app.id,
      name: "pr-1",
      kind: "preview",
      branch: "pr-1",
      host: null,
    });
    await links.envFor(app.id, { name: "pr-1", kind: "preview" }, "empty");
    const [link] = await ctx.store.links.forApp(app.id);
    const previewDb = link!.previews["pr-1"]!;
    expect(await databases()).toContain(previewDb);

    // `git push :pr-1`: the environment's row goes, then the services hear of it.
    await stores.environments.remove(env.id);
    await links.environmentRemoved(app.id, "pr-1");
    expect(await databases()).not.toContain(previewDb);
    expect((await ctx.store.links.forApp(app.id))[0]!.previews).toEqual({});

    // `pier apps delete`: the row goes first; info and list no longer show the link meanwhile.
    await stores.apps.deleteByName(app.name);
    expect((await manager.view(row)).links).toEqual([]);
    await links.appRemoved(app.id, app.name);
    expect(await ctx.store.links.forApp(app.id)).toEqual([]);
    expect(await networkExists(appNetworkName(app.name))).toBe(false);
    expect(warnings).toEqual([]);
    await manager.remove(service, service, true);
  }, 120_000);

  test("a deleted app's network still in use is logged and removed by the sweep once free", async () => {
    const { stores, links } = await world();
    const app = await stores.apps.create({ id: newId("app"), name: `busy-${suffix}` });
    const network = appNetworkName(app.name);
    await docker.createNetwork({
      Name: network,
      Driver: "bridge",
      Internal: true,
      Labels: { "pier.instance": loadOrCreateInstanceId(dataDir) },
    });
    const holder = await docker.createContainer({
      Image: image,
      Entrypoint: ["sleep", "120"],
      HostConfig: { NetworkMode: network },
    });
    extraContainers.push(holder.id);
    await holder.start();

    await stores.apps.deleteByName(app.name);
    await links.appRemoved(app.id, app.name);
    expect(await networkExists(network)).toBe(true);
    expect(warnings.some((w) => w.includes("still in use"))).toBe(true);

    await holder.remove({ force: true });
    await links.sweepPreviews();
    expect(await networkExists(network)).toBe(false);
  }, 60_000);

  test("the sweep removes only this pier's orphaned app networks, never another pier's or an unlabelled one", async () => {
    const { stores, ctx, links } = await world();
    const own = await stores.apps.create({ id: newId("app"), name: `own-${suffix}` });
    await ctx.store.links.insert({
      id: newId("lnk"),
      serviceId: newId("svc"),
      appId: own.id,
      appName: own.name,
      envVar: "DATABASE_URL",
    });
    const [ownNetwork] = await links.networksFor(own.id);
    expect((await docker.getNetwork(ownNetwork!).inspect()).Labels).toEqual({
      "pier.instance": loadOrCreateInstanceId(dataDir),
      "pier.app": own.name,
    });
    // A restored copy of this pier, or a test instance, on the same Engine, with apps this one lacks.
    const other = appNetworkName(`other-${suffix}`);
    await docker.createNetwork({
      Name: other,
      Internal: true,
      Labels: { "pier.instance": "pier_elsewhere" },
    });
    const old = appNetworkName(`old-${suffix}`);
    await docker.createNetwork({ Name: old, Internal: true });

    await stores.apps.deleteByName(own.name);
    await links.sweepPreviews();
    expect(await networkExists(ownNetwork!)).toBe(false);
    expect(await networkExists(other)).toBe(true);
    expect(await networkExists(old)).toBe(true);

    // Deleting an app of the same name here leaves the other pier's network alone too.
    await links.appRemoved(newId("app"), `other-${suffix}`);
    expect(await networkExists(other)).toBe(true);
  }, 60_000);
});
