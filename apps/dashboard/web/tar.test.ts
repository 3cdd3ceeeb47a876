import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTar, normalizeTarPath } from "./tar.ts";

const encoder = new TextEncoder();

function extract(tar: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), "pier-tar-"));
  writeFileSync(join(dir, "upload.tar"), tar);
  const result = Bun.spawnSync(["tar", "-xf", "upload.tar", "-C", dir], { cwd: dir });
  if (result.exitCode !== 0) throw new Error(result.stderr.toString());
  return dir;
}

test("GNU tar extracts what the writer wrote: nested, empty, binary, unicode and very long paths", () => {
  const long = `${"deep/".repeat(40)}${"x".repeat(120)}.txt`;
  const binary = new Uint8Array(1500).map((_, i) => (i * 7) % 256);
  const tar = createTar([
    { path: "index.html", data: encoder.encode("<h1>hi</h1>") },
    { path: "./assets//app.js", data: encoder.encode("console.log(1)") },
    { path: "empty.txt", data: new Uint8Array(0) },
    { path: "img/logo.bin", data: binary },
    { path: `${"d".repeat(120)}/${"n".repeat(90)}.txt`, data: encoder.encode("split at a slash") },
    { path: "ünïcödé/ファイル.txt", data: encoder.encode("unicode") },
    { path: long, data: encoder.encode("pax") },
    { path: "run.sh", data: encoder.encode("#!/bin/sh\n"), mode: 0o755 },
  ]);
  expect(tar.length % 512).toBe(0);
  const dir = extract(tar);
  expect(readFileSync(join(dir, "index.html"), "utf8")).toBe("<h1>hi</h1>");
  expect(readFileSync(join(dir, "assets/app.js"), "utf8")).toBe("console.log(1)");
  expect(readFileSync(join(dir, "empty.txt")).length).toBe(0);
  expect(new Uint8Array(readFileSync(join(dir, "img/logo.bin")))).toEqual(binary);
  expect(readFileSync(join(dir, `${"d".repeat(120)}/${"n".repeat(90)}.txt`), "utf8")).toBe(
    "split at a slash",
  );
  expect(readFileSync(join(dir, "ünïcödé/ファイル.txt"), "utf8")).toBe("unicode");
  expect(readFileSync(join(dir, long), "utf8")).toBe("pax");
  const listing = Bun.spawnSync(["tar", "-tvf", join(dir, "upload.tar")]).stdout.toString();
  expect(listing).toMatch(/-rwxr-xr-x .* run\.sh/);
});

test("paths are normalised; climbing out is refused", () => {
  expect(normalizeTarPath("./a//b/")).toBe("a/b");
  expect(normalizeTarPath("a\\b")).toBe("a/b");
  expect(normalizeTarPath("../etc/passwd")).toBeNull();
  expect(normalizeTarPath("./")).toBeNull();
  expect(() => createTar([{ path: "a/../../b", data: new Uint8Array(0) }])).toThrow("Not a path");
});
