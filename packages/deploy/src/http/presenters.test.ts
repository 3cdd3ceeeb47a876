import { describe, expect, test } from "bun:test";
import type { DeploymentRow } from "@pier/db";
import { presentDeployment, presentImage } from "./presenters.ts";

describe("presentImage", () => {
  test("a static release shows its directory's name, not the data dir's absolute path", () => {
    expect(presentImage("static:/var/lib/pier/data/static/dep_01abc")).toBe("static:dep_01abc");
    expect(presentImage("static:spa:/tmp/review/data/static/dep_02def")).toBe("static:spa:dep_02def");
  });

  test("container images are shown as they are", () => {
    expect(presentImage("pier/site:dep_01abc")).toBe("pier/site:dep_01abc");
    expect(presentImage("ghcr.io/acme/web:v2")).toBe("ghcr.io/acme/web:v2");
  });

  test("a deployment's API view carries the relative form; the row keeps the path", () => {
    const row = {
      id: "dep_01abc",
      status: "succeeded",
      source: "upload",
      branch: null,
      commitSha: null,
      image: "static:/srv/pier/static/dep_01abc",
      error: null,
      createdAt: new Date(0),
      finishedAt: null,
      environmentId: null,
      meta: { kind: "static" },
    } as unknown as DeploymentRow;
    expect(presentDeployment(row, new Map()).image).toBe("static:dep_01abc");
    expect(row.image).toBe("static:/srv/pier/static/dep_01abc");
    expect(presentDeployment({ ...row, image: null }, new Map()).image).toBeNull();
  });
});
