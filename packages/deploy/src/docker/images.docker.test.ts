/** Release image retention against a real Docker Engine and pier-base/bun:1 (skips outside CI without them). */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dockerWithImage } from "../../testing/docker-with-image.ts";
import { pruneAppImages, type ReleaseImageState, releaseImagesToKeep } from "./images.ts";
import { labelKeys, pierLabels } from "./labels.ts";

const base = "pier-base/bun:1";
const { docker, ready } = await dockerWithImage(base);
const app = `prune${Date.now().toString(36)}`;
const context = mkdtempSync(join(tmpdir(), "pier-prune-"));
writeFileSync(join(context, "Dockerfile"), `FROM ${base}\n`);

let builds = 0;

/** A release image as pier builds one: tagged pier/APP:ID, with its labels; no layer of its own. */
async function releaseImage(deploymentId: string, instance: string): Promise<string> {
  builds++;
  const tag = `pier/${app}:${deploymentId}`;
  const stream = await docker.buildImage(
    { context, src: ["Dockerfile"] },
    {
      t: tag,
      labels: {
        ...pierLabels({ app, deploymentId, instance }),
        [labelKeys.builtAt]: String(Date.now() + builds),
      },
    },
  );
  await new Promise((resolve, reject) =>
    docker.modem.followProgress(stream, (error) => (error ? reject(error) : resolve(null))),
  );
  return tag;
}

const tagsOf = async () =>
  (await docker.listImages({ filters: { label: [`${labelKeys.app}=${app}`] } }))
    .flatMap((i) => i.RepoTags ?? [])
    .sort();

afterAll(async () => {
  rmSync(context, { recursive: true, force: true });
  if (!ready) return;
  for (const image of await docker.listImages({ filters: { label: [`${labelKeys.app}=${app}`] } }))
    await docker
      .getImage(image.Id)
      .remove({ force: true })
      .catch(() => {});
});

describe.skipIf(!ready)("pruneAppImages", () => {
  test("failed deploys never push out the releases a rollback needs, nor another pier's images", async () => {
    // b1 and b2 went live, five deploys failed, then a rollback (rb) put b1's image back live.
    const history: ReleaseImageState[] = [
      { id: "rb", status: "live", image: `pier/${app}:b1` },
      { id: "f5", status: "failed", image: `pier/${app}:f5` },
      { id: "f4", status: "failed", image: `pier/${app}:f4` },
      { id: "f3", status: "failed", image: `pier/${app}:f3` },
      { id: "f2", status: "failed", image: `pier/${app}:f2` },
      { id: "f1", status: "failed", image: `pier/${app}:f1` },
      { id: "b2", status: "rolled_back", image: `pier/${app}:b2` },
      { id: "b1", status: "superseded", image: `pier/${app}:b1` },
    ];
    for (const id of ["b1", "b2", "f1", "f2", "f3", "f4", "f5"]) await releaseImage(id, "pier-a");
    // A second pier on the same Engine (a restored copy) with an app of the same name.
    await releaseImage("other1", "pier-b");

    const removed = await pruneAppImages(docker, app, releaseImagesToKeep(history, ["rb"]), "pier-a");
    expect(removed.sort()).toEqual(["f1", "f2", "f3", "f4", "f5"].map((id) => `pier/${app}:${id}`));
    expect(await tagsOf()).toEqual([`pier/${app}:b1`, `pier/${app}:b2`, `pier/${app}:other1`]);
  }, 60_000);
});
