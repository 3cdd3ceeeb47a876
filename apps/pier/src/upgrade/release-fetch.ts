import { PierError } from "@pier/core";
import { checkDigest } from "../release/checksums.ts";
import { ReleaseVerificationError } from "../release/errors.ts";
import { parseReleaseManifest, type ReleaseManifest } from "../release/manifest.ts";
import { type ReleaseTarget, releaseBaseName, versionPattern } from "../release/targets.ts";
import { checksumsFile, minisignFile, verifyChecksums } from "../release/verify-release.ts";
import { tarEntry } from "./tar-entry.ts";

/** The release location could not be read (down, wrong address, no such version). */
export class ReleaseDownloadError extends PierError {
  constructor(message: string) {
    super("release_download_failed", message, 502);
  }
}

/** Where releases are published: BASE/latest names the newest, BASE/VERSION/ holds each. */
export interface ReleaseLocation {
  baseUrl: string;
  /** The minisign public key (RW…) releases must be signed with. */
  publicKey: string;
}

const DOWNLOAD_TIMEOUT_MS = 300_000;

async function download(url: string): Promise<Uint8Array<ArrayBuffer>> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS), redirect: "follow" });
  } catch (error) {
    throw new ReleaseDownloadError(
      `could not download ${url}: ${(error as Error).message} (is --release-url right, and the server reachable?)`,
    );
  }
  if (!response.ok) throw new ReleaseDownloadError(`could not download ${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

function joinUrl(base: string, ...parts: string[]): string {
  return [base.replace(/\/+$/, ""), ...parts].join("/");
}

/** The newest published version, from BASE/latest. */
export async function latestVersion(location: ReleaseLocation): Promise<string> {
  const text = new TextDecoder().decode(await download(joinUrl(location.baseUrl, "latest"))).trim();
  if (!versionPattern.test(text))
    throw new ReleaseDownloadError(
      `${joinUrl(location.baseUrl, "latest")} does not name a version (got "${text.slice(0, 40)}")`,
    );
  return text;
}

/** Which archive of a release to install on `target`: the gzip one, which pier unpacks itself. Pure. */
export function chooseArchive(
  manifest: ReleaseManifest,
  target: ReleaseTarget,
): { archive: string; sha256: string; size: number; binarySize: number; binaryPath: string } {
  const entry = manifest.targets.find((t) => t.name === target);
  if (!entry)
    throw new ReleaseVerificationError(
      `release ${manifest.version} has no build for ${target} (it has ${manifest.targets.map((t) => t.name).join(", ")})`,
    );
  return {
    ...entry.gzip,
    binarySize: entry.binarySize,
    binaryPath: `${releaseBaseName(manifest.version, target)}/pier`,
  };
}

export interface VerifiedRelease {
  version: string;
  manifest: ReleaseManifest;
  /** The pier binary of the target, checked against the signed digests. */
  binary: Uint8Array;
}

/**
 * Downloads release `version` for `target` and checks it the way install.sh does: the signature
 * of SHA256SUMS with the trusted key (and that it is this version's), the manifest and the archive
 * against SHA256SUMS; then takes the binary out of the archive.
 */
export async function fetchVerifiedRelease(
  location: ReleaseLocation,
  version: string,
  target: ReleaseTarget,
): Promise<VerifiedRelease> {
  if (!versionPattern.test(version))
    throw new ReleaseVerificationError(`"${version}" is not a version like 1.2.3`);
  const at = (name: string) => joinUrl(location.baseUrl, version, name);
  const [sums, signature] = await Promise.all([download(at(checksumsFile)), download(at(minisignFile))]);
  const digests = await verifyChecksums({
    sums,
    signature: new TextDecoder().decode(signature),
    publicKey: location.publicKey,
    version,
  });
  const manifestBytes = await download(at("manifest.json"));
  checkDigest(digests, "manifest.json", manifestBytes);
  const manifest = parseReleaseManifest(new TextDecoder().decode(manifestBytes));
  if (manifest.version !== version)
    throw new ReleaseVerificationError(`manifest.json of ${version} describes version ${manifest.version}`);
  const chosen = chooseArchive(manifest, target);
  const archive = await download(at(chosen.archive));
  checkDigest(digests, chosen.archive, archive);
  let tar: Uint8Array;
  try {
    tar = Bun.gunzipSync(archive as Uint8Array<ArrayBuffer>);
  } catch {
    throw new ReleaseVerificationError(`${chosen.archive} is not a gzip archive`);
  }
  const binary = tarEntry(tar, chosen.binaryPath);
  if (!binary) throw new ReleaseVerificationError(`${chosen.archive} does not contain ${chosen.binaryPath}`);
  if (binary.length !== chosen.binarySize)
    throw new ReleaseVerificationError(
      `${chosen.binaryPath} is ${binary.length} bytes, the manifest says ${chosen.binarySize}`,
    );
  return { version, manifest, binary };
}
