import { describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireService } from "@pier/testkit";
import {
  encodePublicKey,
  exportReleaseKeyPem,
  generateReleaseKey,
  parseReleaseManifest,
  verifyChecksums,
} from "../../apps/pier/src/release/index.ts";
import { packageRelease, parsePackageArgs } from "./package.ts";
import { loadSigningKey, prepareSigningKey } from "./signing-key.ts";

const tools = requireService(
  "xz",
  Bun.which("xz") ? null : "xz is not on PATH",
  "Install it (Debian: apt-get install xz-utils).",
);

function fakeBinary(dir: string, name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content, { mode: 0o755 });
  return path;
}

describe.skipIf(!tools)("packaging a release", () => {
  test("archives, manifest, install.sh and a SHA256SUMS signed by the prepared key", async () => {
    const work = mkdtempSync(join(tmpdir(), "pier-package-"));
    const keyDir = join(work, "key");
    const key = await prepareSigningKey(keyDir, {});
    const publicKey = encodePublicKey(key.key.publicKey);
    const x64 = fakeBinary(work, "pier-x64", `#!/bin/sh\n# ${publicKey}\necho pier 1.2.3\n`);
    writeFileSync(join(work, "chunk.js.map"), "{}");
    const options = parsePackageArgs(
      ["--version", "1.2.3", "--binary", `linux-x64=${x64}`, "--out", join(work, "out"), "--key-dir", keyDir],
      { SOURCE_DATE_EPOCH: "1777000000" },
    );
    const { dir, manifest } = await packageRelease({
      ...options,
      xzLevel: 0,
      sourcemaps: true,
      requireEmbeddedKey: true,
    });

    expect(readdirSync(dir).sort()).toEqual([
      "SHA256SUMS",
      "SHA256SUMS.minisig",
      "SHA256SUMS.sshsig",
      "install.sh",
      "manifest.json",
      "pier-1.2.3-linux-x64.tar.gz",
      "pier-1.2.3-linux-x64.tar.xz",
      "pier-1.2.3-sourcemaps.tar.xz",
      "pier-release.pub",
    ]);
    expect(readFileSync(join(work, "out", "latest"), "utf8")).toBe("1.2.3\n");
    expect(manifest.createdAt).toBe("2026-04-24T03:06:40.000Z");
    expect(parseReleaseManifest(readFileSync(join(dir, "manifest.json"), "utf8"))).toEqual(manifest);
    expect(manifest.targets.map((t) => t.name)).toEqual(["linux-x64"]);
    expect(manifest.sourcemaps?.archive).toBe("pier-1.2.3-sourcemaps.tar.xz");

    const sums = await verifyChecksums({
      sums: readFileSync(join(dir, "SHA256SUMS")),
      signature: readFileSync(join(dir, "SHA256SUMS.minisig"), "utf8"),
      publicKey,
      version: "1.2.3",
    });
    expect([...sums.keys()]).toContain("manifest.json");
    expect([...sums.keys()]).toContain("install.sh");
    // sha256sum reads the same file.
    expect(Bun.spawnSync(["sha256sum", "--quiet", "-c", "SHA256SUMS"], { cwd: dir }).exitCode).toBe(0);

    // The archive holds pier-1.2.3-linux-x64/{pier,LICENSE}, root-owned, and no source map.
    const listing = Bun.spawnSync([
      "tar",
      "-tvJf",
      join(dir, "pier-1.2.3-linux-x64.tar.xz"),
    ]).stdout.toString();
    expect(listing).toContain("pier-1.2.3-linux-x64/pier");
    expect(listing).toContain("pier-1.2.3-linux-x64/LICENSE");
    expect(listing).toMatch(/-rwxr-xr-x 0\/0 .* pier-1\.2\.3-linux-x64\/pier/);
    expect(listing).not.toContain(".map");
    expect(readFileSync(join(dir, "install.sh"), "utf8")).toContain(`key_minisign='${publicKey}'`);
  }, 60_000);

  test("a binary built without the signing key is refused when the key is required", async () => {
    const work = mkdtempSync(join(tmpdir(), "pier-package-"));
    const keyDir = join(work, "key");
    await prepareSigningKey(keyDir, {});
    const x64 = fakeBinary(work, "pier", "#!/bin/sh\necho pier 1.2.3\n");
    const options = parsePackageArgs(
      ["--version", "1.2.3", "--binary", `linux-x64=${x64}`, "--out", join(work, "out"), "--key-dir", keyDir],
      {},
    );
    await expect(packageRelease({ ...options, requireEmbeddedKey: true })).rejects.toThrow(
      /was not built with the signing key/,
    );
  });
});

describe("arguments and keys", () => {
  test("bad arguments say what is expected", () => {
    expect(() => parsePackageArgs(["--version", "v1"], {})).toThrow(/like 1\.2\.3/);
    expect(() => parsePackageArgs(["--version", "1.0.0"], {})).toThrow(/at least one --binary/);
    expect(() => parsePackageArgs(["--version", "1.0.0", "--binary", "linux-armv7=/bin/sh"], {})).toThrow(
      /TARGET one of/,
    );
    expect(() => parsePackageArgs(["--version", "1.0.0", "--binary", "linux-x64=/nonexistent"], {})).toThrow(
      /does not exist/,
    );
    expect(() =>
      parsePackageArgs(["--version", "1.0.0", "--binary", "linux-x64=/bin/sh", "--xz-level", "12"], {}),
    ).toThrow(/--xz-level/);
  });

  test("PIER_RELEASE_KEY is used as given, and must be the key the binaries were built with", async () => {
    const work = mkdtempSync(join(tmpdir(), "pier-key-"));
    const key = await generateReleaseKey();
    writeFileSync(join(work, "release.pem"), await exportReleaseKeyPem(key), { mode: 0o600 });
    const env = { PIER_RELEASE_KEY: join(work, "release.pem") };
    const prepared = await prepareSigningKey(join(work, "build"), env);
    expect(prepared.ephemeral).toBe(false);
    expect(readdirSync(join(work, "build"))).toEqual(["public-key.txt"]);
    expect((await loadSigningKey(join(work, "build"), env)).key.publicKey).toEqual(key.publicKey);

    const other = await generateReleaseKey();
    writeFileSync(join(work, "other.pem"), await exportReleaseKeyPem(other));
    await expect(
      loadSigningKey(join(work, "build"), { PIER_RELEASE_KEY: join(work, "other.pem") }),
    ).rejects.toThrow(/not the one the binaries were built with/);
    await expect(
      prepareSigningKey(join(work, "x"), { PIER_RELEASE_KEY: join(work, "missing.pem") }),
    ).rejects.toThrow(/no such file/);
  });
});
