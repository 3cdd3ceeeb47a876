import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  assertLinksInside,
  isInside,
  ReleasePathError,
  readReleaseFile,
  resolveInRelease,
} from "./release-fs.ts";

const base = mkdtempSync(join(tmpdir(), "pier-release-fs-"));
afterAll(() => rmSync(base, { recursive: true, force: true }));

function release(): { root: string; outside: string } {
  const root = mkdtempSync(join(base, "release-"));
  const outside = mkdtempSync(join(base, "outside-"));
  writeFileSync(join(outside, "shadow"), "root:secret\n");
  mkdirSync(join(root, "site/sub"), { recursive: true });
  writeFileSync(join(root, "site/index.html"), "<h1>hi</h1>");
  return { root, outside };
}

test("isInside", () => {
  expect(isInside("/a/b", "/a/b")).toBe(true);
  expect(isInside("/a/b", "/a/b/c")).toBe(true);
  expect(isInside("/a/b", "/a/bc")).toBe(false);
  expect(isInside("/a/b", "/a")).toBe(false);
  expect(isInside("/a/b", "/a/b/../c")).toBe(false);
});

describe("resolveInRelease", () => {
  test("paths inside resolve, also through links that stay inside and paths that do not exist yet", async () => {
    const { root } = release();
    symlinkSync("site", join(root, "public"));
    expect(await resolveInRelease(root, "site", "[static] dir")).toEndWith("/site");
    expect(await resolveInRelease(root, "public/sub", "[static] dir")).toEndWith("/site/sub");
    expect(await resolveInRelease(root, "dist/not-built-yet", "[static] dir")).toEndWith(
      "/dist/not-built-yet",
    );
  });

  test("a symlink to a host directory is refused with the setting's name", async () => {
    const { root, outside } = release();
    symlinkSync(outside, join(root, "ctx"));
    symlinkSync("../..", join(root, "site/up"));
    await expect(resolveInRelease(root, "ctx", "[build] context")).rejects.toThrow(
      /\[build\] context "ctx" leads outside the release/,
    );
    await expect(resolveInRelease(root, "site/up/x", "[static] dir")).rejects.toBeInstanceOf(
      ReleasePathError,
    );
    await expect(resolveInRelease(root, "ctx/missing/deeper", "[static] dir")).rejects.toBeInstanceOf(
      ReleasePathError,
    );
  });
});

describe("readReleaseFile", () => {
  test("reads regular files, never a host file behind a link", async () => {
    const { root, outside } = release();
    writeFileSync(join(root, "pier.toml"), "[deploy]\n");
    expect(await readReleaseFile(root, "pier.toml")).toBe("[deploy]\n");
    expect(await readReleaseFile(root, "absent.toml")).toBeUndefined();
    symlinkSync(join(outside, "shadow"), join(root, "package.json"));
    await expect(readReleaseFile(root, "package.json")).rejects.toBeInstanceOf(ReleasePathError);
  });
});

describe("assertLinksInside", () => {
  test("accepts links that stay inside, refuses absolute, relative and dangling ones that leave", async () => {
    const { root, outside } = release();
    symlinkSync("index.html", join(root, "site/home.html"));
    await assertLinksInside(join(root, "site"), root, "[static] dir");
    symlinkSync(join(outside, "shadow"), join(root, "site/sub/leak"));
    await expect(assertLinksInside(join(root, "site"), root, "[static] dir")).rejects.toThrow(
      /sub\/leak is a symlink to .*shadow, outside the release/,
    );
    const other = release();
    symlinkSync("../../../../../../../etc/nothing-here", join(other.root, "site/dangling"));
    await expect(assertLinksInside(join(other.root, "site"), other.root, "x")).rejects.toBeInstanceOf(
      ReleasePathError,
    );
  });
});
