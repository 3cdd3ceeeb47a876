import { type Bytes, fromBase64, ownBytes, toBase64 } from "./bytes.ts";
import { ReleaseFormatError } from "./errors.ts";
import type { MinisignPublicKey } from "./minisign.ts";

/** A release signing key: the private half signs SHA256SUMS, the public half is built into pier and install.sh. */
export interface ReleaseKey {
  privateKey: CryptoKey;
  publicKey: MinisignPublicKey;
}

const pemLabel = "PRIVATE KEY";

/**
 * The key id is derived from the public key (the first 8 bytes of its SHA-256), so the same key
 * always has the same id; minisign picks a random one, which is just as valid.
 */
function keyIdOf(rawPublicKey: Uint8Array): Bytes {
  return ownBytes(new Bun.CryptoHasher("sha256").update(rawPublicKey).digest().subarray(0, 8));
}

async function withPublicHalf(privateKey: CryptoKey): Promise<ReleaseKey> {
  // An Ed25519 private JWK carries the public key as "x" (base64url).
  const jwk = await crypto.subtle.exportKey("jwk", privateKey);
  if (!jwk.x) throw new ReleaseFormatError("the release key has no public half");
  const key = new Uint8Array(Buffer.from(jwk.x, "base64url"));
  return { privateKey, publicKey: { keyId: keyIdOf(key), key } };
}

export async function generateReleaseKey(): Promise<ReleaseKey> {
  const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  return withPublicHalf(pair.privateKey);
}

/** Reads an Ed25519 private key in PKCS#8 PEM, as `openssl genpkey -algorithm ed25519` writes it. */
export async function importReleaseKey(pem: string): Promise<ReleaseKey> {
  const match = new RegExp(`-----BEGIN ${pemLabel}-----([A-Za-z0-9+/=\\s]+)-----END ${pemLabel}-----`).exec(
    pem,
  );
  if (!match)
    throw new ReleaseFormatError(
      "the release key is not a PEM private key (-----BEGIN PRIVATE KEY-----); create one with `openssl genpkey -algorithm ed25519`",
    );
  const der = fromBase64(match[1]!.replace(/\s+/g, ""));
  if (!der) throw new ReleaseFormatError("the release key's PEM body is not base64");
  let privateKey: CryptoKey;
  try {
    privateKey = await crypto.subtle.importKey("pkcs8", der, { name: "Ed25519" }, true, ["sign"]);
  } catch {
    throw new ReleaseFormatError(
      "the release key is not an Ed25519 key; create one with `openssl genpkey -algorithm ed25519`",
    );
  }
  return withPublicHalf(privateKey);
}

export async function exportReleaseKeyPem(key: ReleaseKey): Promise<string> {
  const der = new Uint8Array(await crypto.subtle.exportKey("pkcs8", key.privateKey));
  const base64 = toBase64(der);
  return `-----BEGIN ${pemLabel}-----\n${base64.match(/.{1,64}/g)!.join("\n")}\n-----END ${pemLabel}-----\n`;
}

/** SubjectPublicKeyInfo DER prefix of an Ed25519 key (RFC 8410): SEQUENCE { AlgorithmIdentifier 1.3.101.112, BIT STRING }. */
const spkiPrefix = Uint8Array.of(0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00);

/** The public key as the base64 of its SPKI DER: between PEM armour lines, `openssl pkeyutl -pubin` reads it. */
export function publicKeySpkiBase64(publicKey: MinisignPublicKey): string {
  const der = new Uint8Array(spkiPrefix.length + publicKey.key.length);
  der.set(spkiPrefix);
  der.set(publicKey.key, spkiPrefix.length);
  return toBase64(der);
}
