#!/usr/bin/env bun
/**
 * Packages built pier binaries as a signed release:
 *
 *   bun scripts/release/package.ts --version 0.1.0 --binary linux-x64=dist/pier \
 *     [--binary linux-arm64=…] [--out dist/release] [--key-dir DIR] [--xz-level 6] [--gzip-level 6] \
 *     [--base-url URL] [--sourcemaps] [--require-embedded-key]
 *
 * Writes OUT/VERSION/: pier-VERSION-TARGET.tar.xz and .tar.gz (pier-VERSION-TARGET/pier and
 * LICENSE), optionally pier-VERSION-sourcemaps.tar.xz, manifest.json, install.sh (the key and
 * --base-url filled in), pier-release.pub, SHA256SUMS and its signatures SHA256SUMS.minisig
 * and SHA256SUMS.sshsig; then OUT/latest and OUT/install.sh. The key comes from --key-dir
 * (see signing-key.ts: PIER_RELEASE_KEY, else ephemeral; without --key-dir an ephemeral key
 * lives in a temporary directory only). `make release` builds the four
 * targets and calls this; tests call it on binaries already built.
 */
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  archiveName,
  checksumsFile,
  encodePublicKey,
  formatChecksums,
  isReleaseTarget,
  minisignFile,
  publicKeyFile,
  type ReleaseManifest,
  type ReleaseTarget,
  releaseBaseName,
  releaseManifestSchema,
  releaseTrustedComment,
  sha256Hex,
  signMinisign,
  signSsh,
  sshSignatureFile,
  verifyChecksums,
  versionPattern,
} from "../../apps/pier/src/release/index.ts";
import { compressGzip, compressXz, requireTools, writeTar } from "./archives.ts";
import { renderInstallScript } from "./install-script.ts";
import { loadSigningKey } from "./signing-key.ts";

const repoRoot = resolve(import.meta.dir, "../..");

export interface PackageOptions {
  version: string;
  binaries: { target: ReleaseTarget; path: string }[];
  out: string;
  keyDir: string;
  /** The key dir was made for this run: the ephemeral key in it goes when packaging ends. */
  keyDirIsTemporary: boolean;
  xzLevel: number;
  gzipLevel: number;
  baseUrl: string;
  sourcemaps: boolean;
  requireEmbeddedKey: boolean;
  createdAt: Date;
}

export function parsePackageArgs(argv: string[], env: Record<string, string | undefined>): PackageOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      version: { type: "string" },
      binary: { type: "string", multiple: true },
      out: { type: "string", default: "dist/release" },
      "key-dir": { type: "string" },
      "xz-level": { type: "string", default: "6" },
      "gzip-level": { type: "string", default: "6" },
      "base-url": { type: "string", default: env.PIER_RELEASE_BASE_URL ?? "" },
      sourcemaps: { type: "boolean", default: false },
      "require-embedded-key": { type: "boolean", default: false },
    },
    strict: true,
  });
  const version = values.version ?? "";
  if (!versionPattern.test(version)) throw new Error(`--version must be like 1.2.3, got "${version}"`);
  const binaries = (values.binary ?? []).map((spec) => {
    const [target, path] = [spec.slice(0, spec.indexOf("=")), spec.slice(spec.indexOf("=") + 1)];
    if (!isReleaseTarget(target))
      throw new Error(
        `--binary ${spec}: expected TARGET=PATH with TARGET one of linux-x64, linux-arm64, darwin-x64, darwin-arm64`,
      );
    if (!existsSync(path)) throw new Error(`--binary ${spec}: ${path} does not exist (build it first)`);
    return { target, path };
  });
  if (binaries.length === 0) throw new Error("give at least one --binary TARGET=PATH");
  if (new Set(binaries.map((b) => b.target)).size !== binaries.length)
    throw new Error("a target is given twice");
  const level = (name: "xz-level" | "gzip-level", min: number) => {
    const value = Number(values[name]);
    if (!Number.isInteger(value) || value < min || value > 9)
      throw new Error(`--${name} must be ${min} to 9`);
    return value;
  };
  // SOURCE_DATE_EPOCH (reproducible builds' convention) fixes the dates inside the archives.
  const epoch = env.SOURCE_DATE_EPOCH;
  return {
    version,
    binaries,
    out: values.out!,
    // Never inside --out: that directory is what gets served.
    keyDir: values["key-dir"] ?? mkdtempSync(join(tmpdir(), "pier-release-key-")),
    keyDirIsTemporary: values["key-dir"] === undefined,
    xzLevel: level("xz-level", 0),
    gzipLevel: level("gzip-level", 1),
    baseUrl: values["base-url"]!,
    sourcemaps: values.sourcemaps!,
    requireEmbeddedKey: values["require-embedded-key"]!,
    createdAt: epoch && /^\d+$/.test(epoch) ? new Date(Number(epoch) * 1000) : new Date(),
  };
}

function humanSize(bytes: number): string {
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export async function packageRelease(
  options: PackageOptions,
): Promise<{ dir: string; manifest: ReleaseManifest }> {
  requireTools(["tar", "xz", "gzip"]);
  const { key } = await loadSigningKey(options.keyDir);
  if (options.keyDirIsTemporary) rmSync(options.keyDir, { recursive: true, force: true });
  const publicKey = encodePublicKey(key.publicKey);
  if (options.requireEmbeddedKey) {
    for (const { target, path } of options.binaries) {
      if (!readFileSync(path).includes(Buffer.from(publicKey)))
        throw new Error(
          `${path} (${target}) was not built with the signing key ${publicKey}: build it with --define PIER_RELEASE_PUBLIC_KEY (make release does)`,
        );
    }
  }
  const { version, createdAt } = options;
  const dir = join(options.out, version);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const stage = mkdtempSync(join(tmpdir(), "pier-release-"));
  try {
    const targets: ReleaseManifest["targets"] = [];
    for (const { target, path } of options.binaries) {
      const base = releaseBaseName(version, target);
      mkdirSync(join(stage, base));
      copyFileSync(path, join(stage, base, "pier"));
      copyFileSync(join(repoRoot, "LICENSE"), join(stage, base, "LICENSE"));
      chmodSync(join(stage, base, "pier"), 0o755);
      const tar = join(stage, `${base}.tar`);
      await writeTar({ dir: stage, entries: [base], out: tar, mtime: createdAt });
      const started = performance.now();
      const xz = archiveName(version, target, "tar.xz");
      const gz = archiveName(version, target, "tar.gz");
      const [xzSize, gzSize] = await Promise.all([
        compressXz(tar, join(dir, xz), options.xzLevel),
        compressGzip(tar, join(dir, gz), options.gzipLevel),
      ]);
      const binarySize = Bun.file(path).size;
      console.log(
        `==> ${xz}: ${humanSize(xzSize)} (binary ${humanSize(binarySize)}, .tar.gz ${humanSize(gzSize)}) in ${Math.round((performance.now() - started) / 1000)} s`,
      );
      targets.push({
        name: target,
        archive: xz,
        size: xzSize,
        sha256: sha256Hex(readFileSync(join(dir, xz))),
        binarySize,
        gzip: { archive: gz, size: gzSize, sha256: sha256Hex(readFileSync(join(dir, gz))) },
      });
      rmSync(tar);
    }

    let sourcemaps: ReleaseManifest["sourcemaps"];
    if (options.sourcemaps) {
      const mapsDir = join(stage, "sourcemaps");
      for (const { target, path } of options.binaries) {
        const maps = readdirSync(dirname(path)).filter((name) => name.endsWith(".map"));
        mkdirSync(join(mapsDir, target), { recursive: true });
        for (const map of maps) copyFileSync(join(dirname(path), map), join(mapsDir, target, map));
      }
      const name = `pier-${version}-sourcemaps.tar.xz`;
      const tar = join(stage, "sourcemaps.tar");
      await writeTar({
        dir: mapsDir,
        entries: options.binaries.map((b) => b.target),
        out: tar,
        mtime: createdAt,
      });
      const size = await compressXz(tar, join(dir, name), options.xzLevel);
      sourcemaps = { archive: name, size, sha256: sha256Hex(readFileSync(join(dir, name))) };
    }

    const manifest = releaseManifestSchema.parse({
      version,
      createdAt: createdAt.toISOString(),
      publicKey,
      targets,
      ...(sourcemaps ? { sourcemaps } : {}),
    });
    writeFileSync(join(dir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    const installScript = renderInstallScript(readFileSync(join(repoRoot, "install.sh"), "utf8"), {
      publicKey: key.publicKey,
      baseUrl: options.baseUrl,
    });
    writeFileSync(join(dir, "install.sh"), installScript, { mode: 0o755 });
    writeFileSync(join(dir, "pier-release.pub"), publicKeyFile(key.publicKey));

    const listed = readdirSync(dir).filter((name) => !name.startsWith("SHA256SUMS"));
    const sums = new TextEncoder().encode(
      formatChecksums(listed.map((name) => ({ name, sha256: sha256Hex(readFileSync(join(dir, name))) }))),
    );
    writeFileSync(join(dir, checksumsFile), sums);
    writeFileSync(
      join(dir, minisignFile),
      await signMinisign({
        privateKey: key.privateKey,
        keyId: key.publicKey.keyId,
        message: sums,
        trustedComment: releaseTrustedComment(version, createdAt),
        untrustedComment: `signature from the pier release key ${publicKey}`,
      }),
    );
    writeFileSync(join(dir, sshSignatureFile), await signSsh({ ...key, message: sums }));

    // What was written must verify the way `pier upgrade` and install.sh will check it.
    const verified = await verifyChecksums({
      sums: readFileSync(join(dir, checksumsFile)),
      signature: readFileSync(join(dir, minisignFile), "utf8"),
      publicKey,
      version,
    });
    for (const [name, digest] of verified) {
      if (sha256Hex(readFileSync(join(dir, name))) !== digest)
        throw new Error(`${name} changed while packaging`);
    }

    writeFileSync(join(options.out, "latest"), `${version}\n`);
    copyFileSync(join(dir, "install.sh"), join(options.out, "install.sh"));
    return { dir, manifest };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  try {
    const options = parsePackageArgs(process.argv.slice(2), process.env);
    const { dir } = await packageRelease(options);
    console.log(`==> release ${options.version} in ${dir}:`);
    for (const name of readdirSync(dir).sort())
      console.log(`    ${basename(name).padEnd(44)} ${humanSize(Bun.file(join(dir, name)).size)}`);
    if (!options.baseUrl)
      console.log(
        "    (no PIER_RELEASE_BASE_URL: install.sh will ask for --base-url; serve the parent directory)",
      );
  } catch (error) {
    console.error(`release: ${(error as Error).message}`);
    process.exit(1);
  }
}
