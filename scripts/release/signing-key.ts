#!/usr/bin/env bun
/**
 * The key that signs a release. `make release` runs this first so that the public half can be
 * built into the binaries (`--define PIER_RELEASE_PUBLIC_KEY`) before the private half signs
 * SHA256SUMS:
 *
 *   bun scripts/release/signing-key.ts DIR
 *
 * With PIER_RELEASE_KEY (the path of an Ed25519 PEM private key) that key is used; without it an
 * ephemeral key is generated into DIR, and said so loudly: a release signed with it is trusted
 * by its own binaries and install.sh only. DIR/public-key.txt gets the public key (minisign's
 * one-line form). The private key is never written anywhere else.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  encodePublicKey,
  exportReleaseKeyPem,
  generateReleaseKey,
  importReleaseKey,
  type ReleaseKey,
} from "../../apps/pier/src/release/index.ts";

const ephemeralFile = "ephemeral-release-key.pem";
const publicFile = "public-key.txt";

export interface SigningKey {
  key: ReleaseKey;
  /** True when made for this build only. */
  ephemeral: boolean;
}

function banner(lines: string[]): string {
  return lines.map((line) => `!!! ${line}`).join("\n");
}

/** Creates (or reuses) the signing key for one release build in `dir`. */
export async function prepareSigningKey(
  dir: string,
  env: Record<string, string | undefined> = process.env,
): Promise<SigningKey> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keyPath = env.PIER_RELEASE_KEY;
  let signing: SigningKey;
  if (keyPath) {
    if (!existsSync(keyPath))
      throw new Error(
        `PIER_RELEASE_KEY=${keyPath}: no such file (the path of the release's Ed25519 PEM key)`,
      );
    signing = { key: await importReleaseKey(readFileSync(keyPath, "utf8")), ephemeral: false };
  } else {
    const key = await generateReleaseKey();
    const path = join(dir, ephemeralFile);
    writeFileSync(path, await exportReleaseKeyPem(key), { mode: 0o600 });
    chmodSync(path, 0o600);
    signing = { key, ephemeral: true };
    console.warn(
      banner([
        "PIER_RELEASE_KEY is not set: this release is signed with an EPHEMERAL key made just now",
        `(${resolve(path)}). Only the binaries and install.sh of this build trust it.`,
        "Fine for local and CI builds; do not publish it. A real release: PIER_RELEASE_KEY=/path/key.pem make release",
      ]),
    );
  }
  writeFileSync(join(dir, publicFile), `${encodePublicKey(signing.key.publicKey)}\n`);
  console.log(
    `release public key: ${encodePublicKey(signing.key.publicKey)}${signing.ephemeral ? " (ephemeral)" : ""}`,
  );
  return signing;
}

/** The key prepared in `dir`, checked against the public key the binaries were built with. */
export async function loadSigningKey(
  dir: string,
  env: Record<string, string | undefined> = process.env,
): Promise<SigningKey> {
  const publicPath = join(dir, publicFile);
  if (!existsSync(publicPath)) return prepareSigningKey(dir, env);
  const expected = readFileSync(publicPath, "utf8").trim();
  const ephemeralPath = join(dir, ephemeralFile);
  let signing: SigningKey;
  if (env.PIER_RELEASE_KEY) {
    signing = { key: await importReleaseKey(readFileSync(env.PIER_RELEASE_KEY, "utf8")), ephemeral: false };
  } else if (existsSync(ephemeralPath)) {
    signing = { key: await importReleaseKey(readFileSync(ephemeralPath, "utf8")), ephemeral: true };
  } else {
    throw new Error(
      `${dir} has a public key but no private key: set PIER_RELEASE_KEY or run make release again`,
    );
  }
  if (encodePublicKey(signing.key.publicKey) !== expected)
    throw new Error(
      `the signing key is not the one the binaries were built with (${expected}): set PIER_RELEASE_KEY as it was for the build, or run make release again`,
    );
  return signing;
}

if (import.meta.main) {
  const dir = process.argv[2];
  if (!dir) {
    console.error(
      "usage: bun scripts/release/signing-key.ts DIR   (PIER_RELEASE_KEY=key.pem to use a real key)",
    );
    process.exit(2);
  }
  try {
    await prepareSigningKey(dir);
  } catch (error) {
    console.error(`signing-key: ${(error as Error).message}`);
    process.exit(1);
  }
}
