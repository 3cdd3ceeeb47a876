import { expect, test } from "bun:test";
import { isArchive, isSkipped, planUpload, stripCommonTop } from "./upload.ts";

test("a picked folder's own name is stripped, .git and node_modules stay behind", () => {
  const file = (text: string) => new File([text], "x");
  const plan = planUpload([
    { path: "site/index.html", file: file("<h1>") },
    { path: "site/pier.toml", file: file("[static]") },
    { path: "site/.git/HEAD", file: file("ref") },
    { path: "site/web/node_modules/x/index.js", file: file("x") },
    { path: "../evil", file: file("no") },
  ]);
  expect(plan.files.map((f) => f.path)).toEqual(["index.html", "pier.toml"]);
  expect(plan.skipped).toBe(2);
  expect(plan.bytes).toBe(12);
});

test("only a shared top folder is stripped", () => {
  expect(stripCommonTop(["a/x", "a/y/z"])).toEqual(["x", "y/z"]);
  expect(stripCommonTop(["a/x", "b/y"])).toEqual(["a/x", "b/y"]);
  expect(stripCommonTop(["index.html", "a/y"])).toEqual(["index.html", "a/y"]);
  expect(isSkipped("src/node_modules/a.js")).toBe(true);
  expect(isSkipped("src/modules/a.js")).toBe(false);
  expect(isArchive("site.tar.gz")).toBe(true);
  expect(isArchive("site.TGZ")).toBe(true);
  expect(isArchive("site.zip")).toBe(false);
});
