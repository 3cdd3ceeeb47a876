export { type ChecksumEntry, checkDigest, formatChecksums, parseChecksums, sha256Hex } from "./checksums.ts";
export { embeddedReleasePublicKey } from "./embedded-key.ts";
export { ReleaseFormatError, ReleaseVerificationError } from "./errors.ts";
export { parseReleaseManifest, type ReleaseManifest, releaseManifestSchema } from "./manifest.ts";
export {
  encodePublicKey,
  keyIdHex,
  type MinisignPublicKey,
  parsePublicKey,
  parseSignature,
  publicKeyFile,
  signMinisign,
  verifyMinisign,
} from "./minisign.ts";
export {
  exportReleaseKeyPem,
  generateReleaseKey,
  importReleaseKey,
  publicKeySpkiBase64,
  type ReleaseKey,
} from "./release-key.ts";
export { allowedSignersLine, signSsh, sshNamespace, sshPublicKey, sshSignerIdentity } from "./sshsig.ts";
export {
  type ArchiveFormat,
  archiveName,
  isReleaseTarget,
  type ReleaseTarget,
  releaseBaseName,
  releaseTargets,
  targetOf,
  versionPattern,
} from "./targets.ts";
export {
  checksumsFile,
  minisignFile,
  releaseTrustedComment,
  sshSignatureFile,
  verifyChecksums,
} from "./verify-release.ts";
