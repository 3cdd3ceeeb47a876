import { expect, test } from "bun:test";
import { refuseDeployDir } from "./deploy-dir.ts";

test("a directory with something pier can build from is deployable", () => {
  for (const marker of ["Dockerfile", "package.json", "index.html", "bunfig.toml", "pier.toml"])
    expect(refuseDeployDir("/src/app", ["README.md", marker], "shop")).toBeNull();
});

test("a directory without app markers is refused before upload, saying what to add", () => {
  const refusal = refuseDeployDir("/tmp/work", ["notes.txt", "pier", "data"], "shop");
  expect(refusal).toStartWith("Cannot tell how to build /tmp/work");
  expect(refusal).toContain("Add a Dockerfile, a package.json (Bun or Node.js) or an index.html");
  expect(refusal).toContain("Nothing was uploaded");
  expect(refusal).toContain("pier deploy DIR --app shop");
});

test("a pier data directory is refused even when it holds an app marker", () => {
  const refusal = refuseDeployDir("/var/lib/pier", ["secret.key", "pier.db", "index.html"], "shop");
  expect(refusal).toContain("looks like a pier data directory");
  expect(refusal).toContain("secret key");
});
