/**
 * The start sweep of helper containers takes only this pier's: another pier on the same Engine (a
 * restored copy, a test instance) may be streaming a backup through its own. Against a real Docker
 * Engine and pier-base/debian:bookworm (skips outside CI without them).
 */
import { afterAll, describe, expect, test } from "bun:test";
import type { Readable } from "node:stream";
import { dockerWithImage } from "@pier/deploy/testing";
import { serviceLabels } from "../docker/names.ts";
import { isLeftoverHelper, removeHelpers, snapshotVolume, unlabelledHelperMaxAgeMs } from "./volumes.ts";

const image = "pier-base/debian:bookworm";
const { docker, ready } = await dockerWithImage(image);

const suffix = Date.now().toString(36);
const volume = `pier-helpers-test-${suffix}`;
const ours = `pier_ours${suffix}`;
const created: string[] = [];

const helpersOf = async () =>
  docker.listContainers({ all: true, filters: { label: [`${serviceLabels.helper}=${volume}`] } });

afterAll(async () => {
  for (const c of await helpersOf().catch(() => []))
    await docker
      .getContainer(c.Id)
      .remove({ force: true })
      .catch(() => {});
  for (const id of created)
    await docker
      .getContainer(id)
      .remove({ force: true })
      .catch(() => {});
  await docker
    .getVolume(volume)
    .remove()
    .catch(() => {});
});

describe("which helpers the start sweep takes", () => {
  const now = Date.UTC(2025, 0, 2);
  const createdSeconds = (ageMs: number) => (now - ageMs) / 1000;

  test("this pier's always, another pier's never, unlabelled ones (an older pier's) only after a day", () => {
    const labelled = (owner: string) => ({
      [serviceLabels.helper]: volume,
      [serviceLabels.serviceInstance]: owner,
    });
    expect(
      isLeftoverHelper({ labels: labelled(ours), createdSeconds: createdSeconds(1000) }, ours, now),
    ).toBe(true);
    expect(
      isLeftoverHelper(
        { labels: labelled("pier_elsewhere"), createdSeconds: createdSeconds(7 * 86_400_000) },
        ours,
        now,
      ),
    ).toBe(false);
    const unlabelled = { [serviceLabels.helper]: volume };
    expect(
      isLeftoverHelper({ labels: unlabelled, createdSeconds: createdSeconds(3 * 3_600_000) }, ours, now),
    ).toBe(false);
    expect(
      isLeftoverHelper(
        { labels: unlabelled, createdSeconds: createdSeconds(unlabelledHelperMaxAgeMs + 1000) },
        ours,
        now,
      ),
    ).toBe(true);
  });
});

describe.skipIf(!ready)("helper containers on a shared Engine", () => {
  test("our stale helper is removed; another pier's and a fresh unlabelled one survive", async () => {
    await docker.createVolume({ Name: volume });
    // A snapshot this pier started and never finished (a crash): its helper stays on the Engine.
    const snapshot: Readable = await snapshotVolume(docker, { image, volume, instance: ours });
    const [ourHelper] = await helpersOf();
    expect(ourHelper!.Labels[serviceLabels.serviceInstance]).toBe(ours);
    // Deploy's replica watch and the logs collector take containers with these for app replicas.
    expect(ourHelper!.Labels["pier.instance"]).toBeUndefined();
    expect(ourHelper!.Labels["pier.app"]).toBeUndefined();

    // Another pier's helper, in the middle of its backup, and one an older pier made just now.
    const helperOf = async (labels: Record<string, string>) => {
      const container = await docker.createContainer({
        Image: image,
        Entrypoint: ["/bin/true"],
        Labels: { [serviceLabels.helper]: volume, ...labels },
        NetworkDisabled: true,
        HostConfig: { Mounts: [{ Type: "volume", Source: volume, Target: "/volume", ReadOnly: true }] },
      });
      created.push(container.id);
      return container.id;
    };
    const theirs = await helperOf({ [serviceLabels.serviceInstance]: "pier_elsewhere" });
    const unlabelled = await helperOf({});

    expect(await removeHelpers(docker, ours)).toBe(1);
    snapshot.destroy();
    const left = (await helpersOf()).map((c) => c.Id);
    expect(left).not.toContain(ourHelper!.Id);
    expect(left).toContain(theirs);
    expect(left).toContain(unlabelled);
  }, 60_000);
});
