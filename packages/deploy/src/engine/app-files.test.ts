import { expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appDataPaths, removeAppData } from "./app-files.ts";

test("an app's repository, deploy logs and static releases are listed; nothing outside <data>/static", () => {
  const paths = appDataPaths("/data", "web", [
    { logPath: "/data/deployments/dep_1.log", meta: { staticDir: "/data/static/dep_1" } },
    { logPath: "/data/deployments/dep_2.log", meta: { image: "x" } },
    { logPath: "/data/deployments/dep_3.log", meta: { staticDir: "/etc" } },
    { logPath: "/data/deployments/dep_4.log", meta: { staticDir: "/data/static/../git" } },
    { logPath: "/data/deployments/dep_5.log", meta: null },
  ]);
  expect(paths).toEqual([
    "/data/git/web.git",
    "/data/deployments/dep_1.log",
    "/data/static/dep_1",
    "/data/deployments/dep_2.log",
    "/data/deployments/dep_3.log",
    "/data/deployments/dep_4.log",
    "/data/deployments/dep_5.log",
  ]);
  expect(() => appDataPaths("/data", "../etc", [])).toThrow();
});

test("removal deletes files and directories and tolerates missing ones", async () => {
  const dir = mkdtempSync(join(tmpdir(), "pier-app-files-"));
  mkdirSync(join(dir, "git", "web.git", "refs"), { recursive: true });
  writeFileSync(join(dir, "git", "web.git", "HEAD"), "ref: refs/heads/main\n");
  mkdirSync(join(dir, "deployments"));
  writeFileSync(join(dir, "deployments", "dep_1.log"), "log");
  writeFileSync(join(dir, "deployments", "other.log"), "another app");
  const paths = appDataPaths(dir, "web", [{ logPath: join(dir, "deployments", "dep_1.log"), meta: {} }]);
  expect(await removeAppData([...paths, join(dir, "missing")])).toEqual([]);
  expect(existsSync(join(dir, "git", "web.git"))).toBe(false);
  expect(existsSync(join(dir, "deployments", "dep_1.log"))).toBe(false);
  expect(existsSync(join(dir, "deployments", "other.log"))).toBe(true);
});
