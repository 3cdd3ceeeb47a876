import { concatBytes, ownBytes, toBase64 } from "./bytes.ts";
import type { MinisignPublicKey } from "./minisign.ts";

/**
 * OpenSSH's file signatures (PROTOCOL.sshsig), a second signature of SHA256SUMS for hosts whose
 * openssl cannot verify Ed25519 (macOS ships LibreSSL): `ssh-keygen -Y verify` (OpenSSH 8.1+) is
 * on every Mac and on most servers. Same key, same Ed25519, another envelope.
 */
export const sshNamespace = "pier-release";
export const sshSignerIdentity = "pier-release";

const encoder = new TextEncoder();
const magic = encoder.encode("SSHSIG");

function sshString(value: Uint8Array | string): Uint8Array {
  const bytes = typeof value === "string" ? encoder.encode(value) : value;
  const out = new Uint8Array(4 + bytes.length);
  new DataView(out.buffer).setUint32(0, bytes.length);
  out.set(bytes, 4);
  return out;
}

function publicKeyBlob(publicKey: MinisignPublicKey): Uint8Array {
  return concatBytes(sshString("ssh-ed25519"), sshString(publicKey.key));
}

/** `ssh-ed25519 AAAA…`, as in authorized_keys. */
export function sshPublicKey(publicKey: MinisignPublicKey): string {
  return `ssh-ed25519 ${toBase64(publicKeyBlob(publicKey))}`;
}

/** A line of an allowed_signers file for `ssh-keygen -Y verify -I pier-release -n pier-release`. */
export function allowedSignersLine(publicKey: MinisignPublicKey): string {
  return `${sshSignerIdentity} namespaces="${sshNamespace}" ${sshPublicKey(publicKey)}`;
}

export async function signSsh(options: {
  privateKey: CryptoKey;
  publicKey: MinisignPublicKey;
  message: Uint8Array;
}): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-512", ownBytes(options.message)));
  const signed = concatBytes(
    magic,
    sshString(sshNamespace),
    sshString(""),
    sshString("sha512"),
    sshString(digest),
  );
  const signature = new Uint8Array(await crypto.subtle.sign("Ed25519", options.privateKey, signed));
  const version = Uint8Array.of(0, 0, 0, 1);
  const blob = concatBytes(
    magic,
    version,
    sshString(publicKeyBlob(options.publicKey)),
    sshString(sshNamespace),
    sshString(""),
    sshString("sha512"),
    sshString(concatBytes(sshString("ssh-ed25519"), sshString(signature))),
  );
  const base64 = toBase64(blob);
  return `-----BEGIN SSH SIGNATURE-----\n${base64.match(/.{1,70}/g)!.join("\n")}\n-----END SSH SIGNATURE-----\n`;
}
