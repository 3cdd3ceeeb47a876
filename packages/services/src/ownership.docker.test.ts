/**
 * Two piers on one Docker Engine, the second a restored copy of the first (its database copied,
 * its instance id new): the copy never restarts, restores into, connects to or purges the
 * original's service container and volume, labelled or from before pier labelled them. Against a
 * real Docker Engine and pier-base/postgres:15 (skips outside CI without them).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { cpSync, existsSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newId } from "@pier/core";
import type { Database } from "@pier/db";
import { dockerWithImage } from "@pier/deploy/testing";
import { servicesTestContext } from "../testing/services-test-context.ts";
import { serviceContainerName, serviceLabels, serviceVolumeName } from "./docker/names.ts";
import { ServiceElsewhereError } from "./errors.ts";

const image = "pier-base/postgres:15";
const { docker, ready } = await dockerWithImage(image);

const suffix = Date.now().toString(36);
const service = `owned-${suffix}`;
const legacy = `legacy-${suffix}`;
const original = mkdtempSync(join(tmpdir(), "pier-svc-original-"));
const restored = mkdtempSync(join(tmpdir(), "pier-svc-restored-"));
const opened: Database[] = [];

async function pier(dataDir: string) {
  const services = await servicesTestContext(dataDir, { docker });
  opened.push(services.database);
  return services;
}

const exists = (inspect: Promise<unknown>) =>
  inspect.then(
    () => true,
    () => false,
  );
const refusedElsewhere = async (work: Promise<unknown>, other: string) => {
  const error = await work.then(
    () => null,
    (e: Error) => e,
  );
  expect(error).toBeInstanceOf(ServiceElsewhereError);
  expect(error!.message).toContain(other);
  expect(error!.message).toContain("without --purge");
};

afterAll(async () => {
  for (const database of opened) await database.close().catch(() => {});
  for (const name of [service, legacy]) {
    await docker
      .getContainer(serviceContainerName(name))
      .remove({ force: true, v: true })
      .catch(() => {});
    await docker
      .getNetwork(`pier-svc-${name}`)
      .remove()
      .catch(() => {});
    await docker
      .getVolume(serviceVolumeName(name))
      .remove()
      .catch(() => {});
  }
  rmSync(original, { recursive: true, force: true });
  rmSync(restored, { recursive: true, force: true });
});

describe.skipIf(!ready)("service containers of two piers on one Engine", () => {
  test("a restored copy leaves the original's labelled container alone; the original keeps working", async () => {
    process.env.PIER_SERVICE_IMAGE_POSTGRES_15 = image;
    const first = await pier(original);
    await first.manager.create({ name: service, kind: "postgres", version: "15" });
    const labels = (await docker.getContainer(serviceContainerName(service)).inspect()).Config.Labels;
    expect(labels[serviceLabels.serviceInstance]).toBe(first.ctx.instance);
    // Deploy's replica watch and the logs collector take containers with these for app replicas.
    expect(labels["pier.instance"]).toBeUndefined();
    expect(labels["pier.app"]).toBeUndefined();
    const volume = await docker.getVolume(serviceVolumeName(service)).inspect();
    expect(volume.Labels?.[serviceLabels.serviceInstance]).toBe(first.ctx.instance);
    const backup = await first.backups.backupService(service, { trigger: "manual" });
    expect(backup.status).toBe("ok");

    // What `pier backup restore` makes: the same database, no instance id (a new one at start).
    await first.database.close();
    cpSync(original, restored, { recursive: true, filter: (path) => !path.endsWith("instance-id") });
    const copy = await pier(restored);
    const other = first.ctx.instance;
    expect(copy.ctx.instance).not.toBe(other);
    const row = (await copy.store.services.find(service))!;
    const startedAt = async () =>
      (await docker.getContainer(serviceContainerName(service)).inspect()).State.StartedAt;
    const before = await startedAt();

    await refusedElsewhere(copy.backups.restoreInto(row, backup), other);
    await refusedElsewhere(copy.manager.restart(service), other);
    await refusedElsewhere(copy.manager.connectInfo(service), other);
    await refusedElsewhere(copy.backups.backupService(service, { trigger: "manual" }), other);
    await refusedElsewhere(copy.manager.remove(service, service, true), other);
    expect(await startedAt()).toBe(before);

    // Without --purge the copy forgets the service; the original's container and data stay.
    expect(await copy.manager.remove(service, service, false)).toEqual({ volumeKept: null });
    expect(await copy.store.services.find(service)).toBeUndefined();
    expect(await exists(docker.getVolume(serviceVolumeName(service)).inspect())).toBe(true);
    expect(await startedAt()).toBe(before);

    const again = await pier(original);
    expect(again.ctx.instance).toBe(other);
    await again.manager.restart(service);
    expect((await again.manager.connectInfo(service)).container).toBe(serviceContainerName(service));
  }, 180_000);

  test("an unlabelled container (made before the labels) is the creating pier's only", async () => {
    const first = await pier(original);
    const copy = await pier(restored);
    await docker.createVolume({ Name: serviceVolumeName(legacy) });
    await docker.createContainer({
      name: serviceContainerName(legacy),
      Image: image,
      Labels: { [serviceLabels.service]: legacy, [serviceLabels.kind]: "postgres" },
    });
    const insert = async (target: typeof first, createdByInstance: string | null) =>
      target.store.services.insert({
        id: newId("svc"),
        name: legacy,
        kind: "postgres",
        version: "15",
        image,
        memoryBytes: null,
        credentialsSealed: await target.ctx.sealCredentials({
          user: "legacy",
          password: "pw",
          database: "legacy",
          rootPassword: "root",
        }),
        createdByInstance,
      });
    const ours = await insert(first, first.ctx.instance);
    const theirs = await insert(copy, first.ctx.instance);
    await first.ctx.refuseForeign(ours);
    await refusedElsewhere(copy.ctx.refuseForeign(theirs), first.ctx.instance);
    await refusedElsewhere(copy.manager.remove(legacy, legacy, true), first.ctx.instance);
    expect(await exists(docker.getContainer(serviceContainerName(legacy)).inspect())).toBe(true);
    expect(await exists(docker.getVolume(serviceVolumeName(legacy)).inspect())).toBe(true);
  }, 60_000);

  test("rows from before the record: this pier's, unless its instance id is new (a restored copy)", async () => {
    const copy = await pier(restored);
    // This process made the copy's instance id: restored from a backup older than the record.
    expect(copy.ctx.unrecordedCreator()).toBe("unknown");
    const kept = mkdtempSync(join(tmpdir(), "pier-svc-kept-"));
    try {
      writeFileSync(join(kept, "instance-id"), "pier_kept1\n");
      const past = new Date(Date.now() - 86_400_000);
      utimesSync(join(kept, "instance-id"), past, past);
      const upgraded = await pier(kept);
      expect(upgraded.ctx.unrecordedCreator()).toBe("pier_kept1");
      expect(existsSync(join(kept, "pier.db"))).toBe(true);
    } finally {
      rmSync(kept, { recursive: true, force: true });
    }
  });
});
