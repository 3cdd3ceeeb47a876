/**
 * A pier restored beside its original on one Docker Engine deploys an app linked to a service: the
 * service's name and the app's `pier-app-APP` network there are the original's, so its env and
 * networks (what the deploy engine reads through the `services` capability) are refused instead of
 * pointing the app at the original's live database. Against a real Docker Engine and
 * pier-base/postgres:15 (skips outside CI without them); the containers are created, not started.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newId } from "@pier/core";
import { dockerWithImage } from "@pier/deploy/testing";
import { servicesTestContext } from "../testing/services-test-context.ts";
import { appNetworkLabels, appNetworkName, serviceContainerName, serviceLabels } from "./docker/names.ts";
import { ServiceElsewhereError } from "./errors.ts";

const image = "pier-base/postgres:15";
const { docker, ready } = await dockerWithImage(image);

const suffix = Date.now().toString(36);
const original = `pier_original${suffix}`;
const dataDir = mkdtempSync(join(tmpdir(), "pier-svc-link-owner-"));
const services = ["theirs", "mine", "beside", "legacy", "joiner", "unlabelled"].map(
  (name) => `${name}-${suffix}`,
);
const apps = ["shop", "own", "named", "old", "shelf"].map((name) => `${name}-${suffix}`);
const [theirs, mine, beside, legacy, joiner, unlabelled] = services as [
  string,
  string,
  string,
  string,
  string,
  string,
];
const [shop, own, named, old, shelf] = apps as [string, string, string, string, string];

const world = await (ready ? servicesTestContext(dataDir, { docker }) : undefined);

afterAll(async () => {
  await world?.database.close();
  for (const service of services)
    await docker
      .getContainer(serviceContainerName(service))
      .remove({ force: true })
      .catch(() => {});
  for (const app of apps)
    await docker
      .getNetwork(appNetworkName(app))
      .remove()
      .catch(() => {});
  rmSync(dataDir, { recursive: true, force: true });
});

/**
 * A service row and its container, labelled with `owner` (null: unlabelled, as before pier labelled
 * them), the row recording `createdBy` as the pier that created it (this one by default).
 */
async function serviceOf(service: string, owner: string | null, createdBy = world!.ctx.instance) {
  const w = world!;
  await docker.createContainer({
    name: serviceContainerName(service),
    Image: image,
    Labels: { [serviceLabels.service]: service, ...(owner && { [serviceLabels.serviceInstance]: owner }) },
  });
  return w.store.services.insert({
    id: newId("svc"),
    name: service,
    kind: "postgres",
    version: "15",
    image,
    memoryBytes: null,
    credentialsSealed: await w.ctx.sealCredentials({
      user: "shop",
      password: "secret",
      database: "shop",
      rootPassword: "root",
    }),
    createdByInstance: createdBy,
  });
}

/** A service (see serviceOf) linked to a new app named `app`; returns the app's id. */
async function linked(service: string, app: string, owner: string | null, createdBy?: string) {
  const w = world!;
  const row = await serviceOf(service, owner, createdBy);
  const appRow = await w.stores.apps.create({ id: newId("app"), name: app });
  await w.store.links.insert({
    id: newId("lnk"),
    serviceId: row.id,
    appId: appRow.id,
    appName: app,
    envVar: "DATABASE_URL",
  });
  return appRow.id;
}

const refused = async (work: Promise<unknown>, ...parts: string[]) => {
  const error = await work.then(
    () => null,
    (e: Error) => e,
  );
  expect(error).toBeInstanceOf(ServiceElsewhereError);
  for (const part of parts) expect(error!.message).toContain(part);
};

const production = { name: "production", kind: "production" } as const;

describe.skipIf(!ready)("deploys of apps linked to another pier's services", () => {
  test("a linked service whose container is another pier's: no env, no network", async () => {
    const w = world!;
    const app = await linked(theirs, shop, original);
    const why = [
      `service ${theirs}'s container`,
      `instance ${original}`,
      `pier services unlink ${theirs} --app ${shop}`,
    ];
    await refused(w.links.envFor(app, production, "shared"), ...why);
    await refused(w.links.networksFor(app), ...why);
    // Not even created: the original's app network stays the original's only.
    expect(await docker.listNetworks({ filters: { name: [appNetworkName(shop)] } })).toEqual([]);
  }, 60_000);

  test("an unlabelled container (made before the labels) of a service another pier created", async () => {
    const w = world!;
    const app = await linked(unlabelled, shelf, null, original);
    await refused(w.links.envFor(app, production, "shared"), `service ${unlabelled}'s container`, original);
    await refused(w.links.networksFor(app), `pier services unlink ${unlabelled} --app ${shelf}`);
  }, 60_000);

  test("our own linked service works as before", async () => {
    const w = world!;
    const app = await linked(mine, own, w.ctx.instance);
    expect(await w.links.envFor(app, production, "shared")).toEqual({
      DATABASE_URL: `postgres://shop:secret@${mine}:5432/shop`,
    });
    expect(await w.links.networksFor(app)).toEqual([appNetworkName(own)]);
    const network = await docker.getNetwork(appNetworkName(own)).inspect();
    expect(network.Labels?.[serviceLabels.instance]).toBe(w.ctx.instance);
  }, 60_000);

  test("an app network labelled with another pier's instance is not joined", async () => {
    const w = world!;
    const app = await linked(beside, named, w.ctx.instance);
    await docker.createNetwork({ Name: appNetworkName(named), Labels: appNetworkLabels(named, original) });
    await refused(w.links.networksFor(app), `network ${appNetworkName(named)}`, `instance ${original}`);
    // Nor does linking another service to the app put that service on it.
    await serviceOf(joiner, w.ctx.instance);
    await refused(w.links.link(joiner, named, "CACHE_URL"), `network ${appNetworkName(named)}`);
    const network = await docker.getNetwork(appNetworkName(named)).inspect();
    expect(Object.keys(network.Containers ?? {})).toEqual([]);
  }, 60_000);

  test("an unlabelled app network (made before the labels) is joined when the services are ours", async () => {
    const w = world!;
    const app = await linked(legacy, old, w.ctx.instance);
    await docker.createNetwork({ Name: appNetworkName(old) });
    expect(await w.links.networksFor(app)).toEqual([appNetworkName(old)]);
  }, 60_000);
});
