import { expect, test } from "bun:test";
import { type ReleaseImageState, releaseImagesToKeep } from "./images.ts";

const d = (id: string, status: ReleaseImageState["status"], image: string | null = `img:${id}`) => ({
  id,
  status,
  image,
});

test("retention counts releases that went live, once per image; current and running deploys always stay", () => {
  const history = [
    d("d9", "building", null),
    d("d8", "failed"),
    d("d7", "live", "img:d5"), // an env restart of d5's image
    d("d6", "cancelled"),
    d("d5", "superseded"),
    d("d4", "rolled_back"),
    d("d3", "superseded"),
    d("d2", "live"), // a preview's current release
    d("d1", "superseded"),
  ];
  const kept = releaseImagesToKeep(history, ["d7", "d2"], 2);
  expect([...kept.deployments].sort()).toEqual(["d2", "d4", "d7", "d9"]);
  expect([...kept.images].sort()).toEqual(["img:d2", "img:d4", "img:d5"]);
  expect(releaseImagesToKeep([d("f2", "failed"), d("f1", "failed")], [], 5).images.size).toBe(0);
});
