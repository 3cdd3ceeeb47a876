/**
 * Values at rest are `v1.<iv>.<ciphertext+tag>` (base64url): the version prefix lets a later key
 * rotation tell old values from new ones without a schema change.
 */
const formatVersion = "v1";

export class DecryptionError extends Error {
  readonly code = "decryption_failed";
  constructor(reason: string) {
    super(
      `Could not decrypt a stored secret (${reason}). The data dir's secret.key must be the one that encrypted it.`,
    );
    this.name = "DecryptionError";
  }
}

export interface SecretBox {
  encrypt(plaintext: string): Promise<string>;
  decrypt(sealed: string): Promise<string>;
}

export async function createSecretBox(rawKey: Uint8Array<ArrayBuffer>): Promise<SecretBox> {
  if (rawKey.byteLength !== 32) throw new Error("A secret key must be 32 bytes (AES-256-GCM).");
  const key = await crypto.subtle.importKey("raw", rawKey, "AES-GCM", false, ["encrypt", "decrypt"]);
  return {
    async encrypt(plaintext) {
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const sealed = await crypto.subtle.encrypt(
        { name: "AES-GCM", iv },
        key,
        new TextEncoder().encode(plaintext),
      );
      return `${formatVersion}.${Buffer.from(iv).toString("base64url")}.${Buffer.from(sealed).toString("base64url")}`;
    },
    async decrypt(sealed) {
      const [version, iv, body] = sealed.split(".");
      if (version !== formatVersion || !iv || !body) throw new DecryptionError("unknown format");
      try {
        const plain = await crypto.subtle.decrypt(
          { name: "AES-GCM", iv: Buffer.from(iv, "base64url") },
          key,
          Buffer.from(body, "base64url"),
        );
        return new TextDecoder().decode(plain);
      } catch {
        throw new DecryptionError("wrong key or tampered value");
      }
    },
  };
}
