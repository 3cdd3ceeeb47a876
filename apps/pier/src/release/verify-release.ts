import { parseChecksums } from "./checksums.ts";
import { ReleaseVerificationError } from "./errors.ts";
import { parsePublicKey, verifyMinisign } from "./minisign.ts";

export const checksumsFile = "SHA256SUMS";
export const minisignFile = "SHA256SUMS.minisig";
export const sshSignatureFile = "SHA256SUMS.sshsig";

/** The trusted comment pier signs along with SHA256SUMS; minisign shows it after verifying. */
export function releaseTrustedComment(version: string, createdAt: Date): string {
  return `timestamp:${Math.floor(createdAt.getTime() / 1000)}\tfile:${checksumsFile}\tversion:${version}`;
}

function commentFields(comment: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const part of comment.split("\t")) {
    const colon = part.indexOf(":");
    if (colon > 0) fields.set(part.slice(0, colon), part.slice(colon + 1));
  }
  return fields;
}

/**
 * Checks SHA256SUMS of release `version` against its minisign signature and the trusted public
 * key, then returns its digests by file name. The version in the signed comment must be the one
 * asked for: a validly signed SHA256SUMS of another release is refused, not installed.
 */
export async function verifyChecksums(options: {
  sums: Uint8Array;
  signature: string;
  publicKey: string;
  version: string;
}): Promise<Map<string, string>> {
  const publicKey = parsePublicKey(options.publicKey);
  const comment = commentFields(await verifyMinisign(publicKey, options.sums, options.signature));
  if (comment.get("file") !== checksumsFile || comment.get("version") !== options.version)
    throw new ReleaseVerificationError(
      `the signature is for ${comment.get("file") ?? "another file"} of version ${comment.get("version") ?? "(none)"}, not ${checksumsFile} of ${options.version}`,
    );
  return parseChecksums(new TextDecoder().decode(options.sums));
}
