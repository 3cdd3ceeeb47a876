import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ReleaseManifest } from "../release/manifest.ts";
import { applySwap, installPlan, rollbackPlan, swapPaths } from "./binary-swap.ts";
import { chooseArchive } from "./release-fetch.ts";
import { tarEntry } from "./tar-entry.ts";

const sha = "a".repeat(64);
const manifest: ReleaseManifest = {
  version: "1.2.0",
  createdAt: "2026-01-01T00:00:00.000Z",
  publicKey: "RW…",
  targets: [
    {
      name: "linux-x64",
      archive: "pier-1.2.0-linux-x64.tar.xz",
      size: 10,
      sha256: sha,
      binarySize: 100,
      gzip: { archive: "pier-1.2.0-linux-x64.tar.gz", size: 12, sha256: "b".repeat(64) },
    },
  ],
};

describe("choosing the archive", () => {
  test("the gzip archive of the running target, which pier unpacks itself", () => {
    expect(chooseArchive(manifest, "linux-x64")).toEqual({
      archive: "pier-1.2.0-linux-x64.tar.gz",
      size: 12,
      sha256: "b".repeat(64),
      binarySize: 100,
      binaryPath: "pier-1.2.0-linux-x64/pier",
    });
  });
  test("a release without a build for this machine says which it has", () => {
    expect(() => chooseArchive(manifest, "linux-arm64")).toThrow(
      "has no build for linux-arm64 (it has linux-x64)",
    );
  });
});

const dir = mkdtempSync(join(tmpdir(), "pier-upgrade-unit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the tar reader", () => {
  test("takes one file out of a tar made by the system's tar, long names included", () => {
    const src = join(dir, "tar-src");
    const deep = join(src, "pier-1.2.0-linux-x64");
    Bun.spawnSync(["mkdir", "-p", deep]);
    writeFileSync(join(deep, "pier"), "binary bytes\n".repeat(100));
    writeFileSync(join(deep, "LICENSE"), "license");
    const long = `${"d".repeat(120)}.txt`;
    writeFileSync(join(deep, long), "long name");
    const tar = join(dir, "x.tar");
    const made = Bun.spawnSync(["tar", "-cf", tar, "-C", src, "pier-1.2.0-linux-x64"]);
    expect(made.exitCode).toBe(0);
    const bytes = readFileSync(tar);
    expect(Buffer.from(tarEntry(bytes, "pier-1.2.0-linux-x64/pier")!).toString()).toBe(
      "binary bytes\n".repeat(100),
    );
    expect(Buffer.from(tarEntry(bytes, `pier-1.2.0-linux-x64/${long}`)!).toString()).toBe("long name");
    expect(tarEntry(bytes, "pier-1.2.0-linux-x64/nope")).toBeUndefined();
    expect(() => tarEntry(bytes.subarray(0, 700), "pier-1.2.0-linux-x64/pier")).toThrow("truncated");
  });
});

describe("replacing the binary", () => {
  test("the plan: stage beside it, keep the current one as pier.previous, rename the new one over it", () => {
    const paths = swapPaths("/usr/local/bin/pier");
    expect(paths.previous).toBe("/usr/local/bin/pier.previous");
    expect(installPlan(paths, "7", false)).toEqual({
      steps: [
        { op: "write", path: "/usr/local/bin/.pier.new-7" },
        { op: "link", from: "/usr/local/bin/pier", to: "/usr/local/bin/.pier.keep-7" },
        { op: "rename", from: "/usr/local/bin/.pier.keep-7", to: "/usr/local/bin/pier.previous" },
        { op: "rename", from: "/usr/local/bin/.pier.new-7", to: "/usr/local/bin/pier" },
      ],
      undo: [
        { op: "link", from: "/usr/local/bin/pier.previous", to: "/usr/local/bin/.pier.restore-7" },
        { op: "rename", from: "/usr/local/bin/.pier.restore-7", to: "/usr/local/bin/pier" },
        { op: "remove", path: "/usr/local/bin/pier.previous" },
      ],
      done: [],
    });
  });

  test("the plan keeps the pier.previous of before aside until the new one serves", () => {
    const plan = installPlan(swapPaths("/usr/local/bin/pier"), "7", true);
    expect(plan.steps[1]).toEqual({
      op: "link",
      from: "/usr/local/bin/pier.previous",
      to: "/usr/local/bin/.pier.saved-7",
    });
    expect(plan.undo.at(-1)).toEqual({
      op: "rename",
      from: "/usr/local/bin/.pier.saved-7",
      to: "/usr/local/bin/pier.previous",
    });
    expect(plan.done).toEqual([{ op: "remove", path: "/usr/local/bin/.pier.saved-7" }]);
  });

  test("install, undo, rollback and rollback again, on real files: pier always exists, no temporary file is left", () => {
    const bin = join(dir, "bin");
    Bun.spawnSync(["mkdir", "-p", bin]);
    const paths = swapPaths(join(bin, "pier"));
    writeFileSync(paths.binary, "A");
    const read = () => [
      readFileSync(paths.binary, "utf8"),
      existsSync(paths.previous) ? readFileSync(paths.previous, "utf8") : null,
    ];
    const install = (content: string, nonce: string) => {
      const plan = installPlan(paths, nonce, existsSync(paths.previous));
      applySwap(plan.steps, new TextEncoder().encode(content));
      return plan;
    };
    // A failed hand-over puts both files back as they were: first without a pier.previous...
    applySwap(install("B", "1").undo);
    expect(read()).toEqual(["A", null]);
    // ...then with one, which an undo keeps and a success drops from the side.
    applySwap(install("B", "2").done);
    expect(read()).toEqual(["B", "A"]);
    applySwap(install("C", "3").undo);
    expect(read()).toEqual(["B", "A"]);
    applySwap(install("C", "4").done);
    expect(read()).toEqual(["C", "B"]);
    applySwap(rollbackPlan(paths, "5"));
    expect(read()).toEqual(["B", "C"]);
    applySwap(rollbackPlan(paths, "6"));
    expect(read()).toEqual(["C", "B"]);
    expect(readdirSync(bin).sort()).toEqual(["pier", "pier.previous"]);
  });

  test("a failed step removes what it made and says so", () => {
    const paths = swapPaths(join(dir, "missing", "pier"));
    expect(() => applySwap(installPlan(paths, "9", false).steps, new Uint8Array([1]))).toThrow(
      "replacing the binary failed",
    );
  });
});
