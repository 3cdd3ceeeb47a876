import { type Bytes, concatBytes, fromBase64, ownBytes, sameBytes, toBase64 } from "./bytes.ts";
import { ReleaseFormatError, ReleaseVerificationError } from "./errors.ts";

/**
 * The minisign file formats (https://jedisct1.github.io/minisign/), legacy "Ed" signatures only:
 * the signature is plain Ed25519 over the file itself, so besides `minisign -V` it verifies with
 * `openssl pkeyutl -verify -rawin` (OpenSSL 1.1.1+), which is what install.sh uses. minisign's
 * default "ED" signs a BLAKE2b hash instead, which openssl on a minimal host cannot check.
 * SHA256SUMS is a few hundred bytes, so hashing first buys nothing.
 */
const legacyAlgorithm = "Ed";
const keyIdLength = 8;
const untrustedPrefix = "untrusted comment: ";
const trustedPrefix = "trusted comment: ";

export interface MinisignPublicKey {
  keyId: Bytes;
  key: Bytes;
}

export interface MinisignSignature {
  algorithm: string;
  keyId: Bytes;
  signature: Bytes;
  trustedComment: string;
  globalSignature: Bytes;
}

const encoder = new TextEncoder();

function decode(text: string, what: string): Bytes {
  const bytes = fromBase64(text);
  if (!bytes) throw new ReleaseFormatError(`${what} is not base64`);
  return bytes;
}

/** How minisign prints a key id: the 8 bytes as a little-endian number, in hex. */
export function keyIdHex(keyId: Uint8Array): string {
  return [...keyId]
    .reverse()
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("")
    .toUpperCase();
}

/** The one-line form (`RW…`), as `minisign -P` takes it. */
export function encodePublicKey(publicKey: MinisignPublicKey): string {
  return toBase64(concatBytes(encoder.encode(legacyAlgorithm), publicKey.keyId, publicKey.key));
}

/** The file form (`minisign.pub`). */
export function publicKeyFile(publicKey: MinisignPublicKey): string {
  return `${untrustedPrefix}minisign public key ${keyIdHex(publicKey.keyId)}\n${encodePublicKey(publicKey)}\n`;
}

/** Takes the one-line form or a whole minisign.pub file. */
export function parsePublicKey(text: string): MinisignPublicKey {
  const lines = text.trim().split(/\r?\n/);
  const encoded = (lines[0]?.startsWith(untrustedPrefix) ? lines[1] : lines[0])?.trim() ?? "";
  const bytes = decode(encoded, "the release public key");
  if (bytes.length !== 2 + keyIdLength + 32 || String.fromCharCode(bytes[0]!, bytes[1]!) !== legacyAlgorithm)
    throw new ReleaseFormatError("the release public key is not a minisign Ed25519 public key (RW…)");
  return { keyId: bytes.slice(2, 2 + keyIdLength), key: bytes.slice(2 + keyIdLength) };
}

export function parseSignature(text: string): MinisignSignature {
  const lines = text.split(/\r?\n/);
  const [untrusted, encoded, trusted, global] = lines;
  if (!untrusted?.startsWith(untrustedPrefix) || !trusted?.startsWith(trustedPrefix) || !encoded || !global)
    throw new ReleaseFormatError(
      "the signature is not a minisign signature file (four lines: comments and signatures)",
    );
  const bytes = decode(encoded.trim(), "the signature");
  if (bytes.length !== 2 + keyIdLength + 64)
    throw new ReleaseFormatError("the signature has the wrong length");
  const globalSignature = decode(global.trim(), "the trusted comment's signature");
  if (globalSignature.length !== 64)
    throw new ReleaseFormatError("the trusted comment's signature has the wrong length");
  return {
    algorithm: String.fromCharCode(bytes[0]!, bytes[1]!),
    keyId: bytes.slice(2, 2 + keyIdLength),
    signature: bytes.slice(2 + keyIdLength),
    trustedComment: trusted.slice(trustedPrefix.length),
    globalSignature,
  };
}

export async function signMinisign(options: {
  privateKey: CryptoKey;
  keyId: Uint8Array;
  message: Uint8Array;
  trustedComment: string;
  untrustedComment: string;
}): Promise<string> {
  if (/[\r\n]/.test(options.trustedComment + options.untrustedComment))
    throw new ReleaseFormatError("signature comments must be one line");
  const signature = new Uint8Array(
    await crypto.subtle.sign("Ed25519", options.privateKey, ownBytes(options.message)),
  );
  const global = new Uint8Array(
    await crypto.subtle.sign(
      "Ed25519",
      options.privateKey,
      concatBytes(signature, encoder.encode(options.trustedComment)),
    ),
  );
  return [
    `${untrustedPrefix}${options.untrustedComment}`,
    toBase64(concatBytes(encoder.encode(legacyAlgorithm), options.keyId, signature)),
    `${trustedPrefix}${options.trustedComment}`,
    toBase64(global),
    "",
  ].join("\n");
}

/**
 * Verifies a minisign signature of `message` and its trusted comment, as `minisign -V` does.
 * Returns the trusted comment; throws ReleaseVerificationError saying what did not match.
 */
export async function verifyMinisign(
  publicKey: MinisignPublicKey,
  message: Uint8Array,
  signatureText: string,
): Promise<string> {
  const parsed = parseSignature(signatureText);
  if (parsed.algorithm !== legacyAlgorithm)
    throw new ReleaseVerificationError(
      `the signature uses minisign algorithm "${parsed.algorithm}"; pier releases are signed with "Ed"`,
    );
  if (!sameBytes(parsed.keyId, publicKey.keyId))
    throw new ReleaseVerificationError(
      `the signature was made with key ${keyIdHex(parsed.keyId)}, not with pier's release key ${keyIdHex(publicKey.keyId)}`,
    );
  const key = await crypto.subtle.importKey("raw", publicKey.key, "Ed25519", false, ["verify"]);
  if (!(await crypto.subtle.verify("Ed25519", key, parsed.signature, ownBytes(message))))
    throw new ReleaseVerificationError(
      "the signature does not match the file: it was altered or is not from pier",
    );
  const trusted = concatBytes(parsed.signature, encoder.encode(parsed.trustedComment));
  if (!(await crypto.subtle.verify("Ed25519", key, parsed.globalSignature, trusted)))
    throw new ReleaseVerificationError("the signature's trusted comment was altered");
  return parsed.trustedComment;
}
