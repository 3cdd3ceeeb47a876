import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, scrypt } from "node:crypto";
import { z } from "zod";
import { ByteReader } from "./byte-reader.ts";

/**
 * The encrypted envelope around an archive:
 *
 *   "PIERENC1"  u32 header length  header JSON  { chunk u32 length, ciphertext, 16-byte tag }…
 *
 * AES-256-GCM over chunks of at most 1 MiB (the STREAM construction): chunk i's nonce is
 * i (8 bytes, big-endian) followed by 1 for the last chunk and 0 otherwise, and the header is
 * every chunk's additional data. A flipped, dropped, reordered or appended chunk, a truncated
 * stream or an edited header fails authentication. The key is fresh for every archive: scrypt of
 * the passphrase, or HKDF of a key file's 32 bytes, each with the header's random salt, so
 * counters starting at 0 never repeat a nonce under one key.
 */
export const encryptedMagic = new TextEncoder().encode("PIERENC1");
export const chunkBytes = 1024 * 1024;
const tagBytes = 16;
const scryptParams = { N: 1 << 15, r: 8, p: 1 } as const;

export type EncryptionKey =
  | { kind: "passphrase"; passphrase: string }
  | { kind: "key-file"; key: Uint8Array };

const envelopeHeaderSchema = z.object({
  v: z.literal(1),
  cipher: z.literal("aes-256-gcm"),
  chunk: z
    .number()
    .int()
    .positive()
    .max(16 * 1024 * 1024),
  kdf: z.discriminatedUnion("name", [
    z.object({
      name: z.literal("scrypt"),
      N: z
        .number()
        .int()
        .min(1024)
        .max(1 << 20),
      r: z.number().int().min(1).max(32),
      p: z.number().int().min(1).max(16),
      salt: z.string(),
    }),
    z.object({ name: z.literal("hkdf-sha256"), salt: z.string(), keyId: z.string() }),
  ]),
});
export type EnvelopeHeader = z.infer<typeof envelopeHeaderSchema>;

export class DecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DecryptionError";
  }
}

/** Key files: "pier-backup-key-1:" and 32 random bytes in base64. */
const keyFilePrefix = "pier-backup-key-1:";

export function newKeyFileText(): string {
  return `${keyFilePrefix}${randomBytes(32).toString("base64")}\n`;
}

export function parseKeyFile(text: string): Uint8Array {
  const trimmed = text.trim();
  if (!trimmed.startsWith(keyFilePrefix))
    throw new Error("not a pier backup key file (pier backup keygen FILE makes one)");
  const key = Buffer.from(trimmed.slice(keyFilePrefix.length), "base64");
  if (key.length !== 32) throw new Error("the key file does not hold a 32-byte key");
  return key;
}

/** A short public name of a key file's key, so "wrong key file" can be told from "tampered". */
export function keyIdOf(key: Uint8Array): string {
  return Buffer.from(hkdfSync("sha256", key, new Uint8Array(0), "pier backup key id", 6)).toString("hex");
}

async function deriveKey(header: EnvelopeHeader, key: EncryptionKey): Promise<Buffer> {
  const salt = Buffer.from(header.kdf.salt, "base64");
  if (header.kdf.name === "scrypt") {
    if (key.kind !== "passphrase")
      throw new DecryptionError(
        "this archive was encrypted with a passphrase: give --passphrase-stdin or PIER_BACKUP_PASSPHRASE, not a key file",
      );
    const { N, r, p } = header.kdf;
    return await new Promise<Buffer>((resolve, reject) =>
      scrypt(key.passphrase, salt, 32, { N, r, p, maxmem: 256 * N * r }, (error, derived) =>
        error ? reject(error) : resolve(derived),
      ),
    );
  }
  if (key.kind !== "key-file")
    throw new DecryptionError(
      "this archive was encrypted with a key file: give --key-file FILE, not a passphrase",
    );
  if (keyIdOf(key.key) !== header.kdf.keyId)
    throw new DecryptionError(
      `this archive was encrypted with another key file (key id ${header.kdf.keyId}, yours is ${keyIdOf(key.key)})`,
    );
  return Buffer.from(hkdfSync("sha256", key.key, salt, "pier backup archive", 32));
}

function nonce(index: number, last: boolean): Buffer {
  const bytes = Buffer.alloc(12);
  bytes.writeBigUInt64BE(BigInt(index), 0);
  bytes[11] = last ? 1 : 0;
  return bytes;
}

export function newEnvelopeHeader(key: EncryptionKey): EnvelopeHeader {
  const salt = randomBytes(16).toString("base64");
  return {
    v: 1,
    cipher: "aes-256-gcm",
    chunk: chunkBytes,
    kdf:
      key.kind === "passphrase"
        ? { name: "scrypt", ...scryptParams, salt }
        : { name: "hkdf-sha256", salt, keyId: keyIdOf(key.key) },
  };
}

function u32(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value);
  return bytes;
}

/** Encrypts a stream of chunks into the envelope. */
export async function* encryptStream(
  source: AsyncIterable<Uint8Array>,
  key: EncryptionKey,
  header: EnvelopeHeader = newEnvelopeHeader(key),
): AsyncGenerator<Uint8Array> {
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const aesKey = await deriveKey(header, key);
  yield encryptedMagic;
  yield u32(headerBytes.length);
  yield headerBytes;
  let index = 0;
  const seal = (plain: Uint8Array, last: boolean): Uint8Array => {
    const cipher = createCipheriv("aes-256-gcm", aesKey, nonce(index++, last));
    cipher.setAAD(headerBytes);
    const body = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    const out = new Uint8Array(4 + body.length);
    out.set(u32(body.length));
    out.set(body, 4);
    return out;
  };
  const buffer = new Uint8Array(header.chunk);
  let filled = 0;
  for await (const chunk of source) {
    let at = 0;
    while (at < chunk.length) {
      // A full buffer is sealed only once more data follows: the last chunk must carry the last flag.
      if (filled === header.chunk) {
        yield seal(buffer, false);
        filled = 0;
      }
      const take = Math.min(chunk.length - at, header.chunk - filled);
      buffer.set(chunk.subarray(at, at + take), filled);
      filled += take;
      at += take;
    }
  }
  yield seal(buffer.subarray(0, filled), true);
}

/** Whether the first bytes of an archive are the encrypted envelope's. */
export function isEncrypted(head: Uint8Array): boolean {
  return head.length >= encryptedMagic.length && encryptedMagic.every((b, i) => head[i] === b);
}

/** Reads the envelope's header (after the magic) without a key: what `list` shows. */
export async function readEnvelopeHeader(
  reader: ByteReader,
): Promise<{ header: EnvelopeHeader; bytes: Uint8Array }> {
  const magic = await reader.read(encryptedMagic.length);
  if (!isEncrypted(magic)) throw new DecryptionError("not an encrypted pier backup");
  const lengthBytes = await reader.read(4);
  if (lengthBytes.length < 4) throw new DecryptionError("the encrypted archive is truncated");
  const length = new DataView(lengthBytes.buffer, lengthBytes.byteOffset).getUint32(0);
  if (length > 64 * 1024) throw new DecryptionError("the encrypted archive's header is damaged");
  const bytes = await reader.read(length);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new DecryptionError("the encrypted archive's header is damaged");
  }
  const header = envelopeHeaderSchema.safeParse(parsed);
  if (!header.success)
    throw new DecryptionError("the encrypted archive's header is damaged or of a newer format");
  return { header: header.data, bytes };
}

/** Decrypts the envelope back into the archive's bytes; throws DecryptionError on any tampering. */
export async function* decryptStream(
  source: AsyncIterable<Uint8Array>,
  key: EncryptionKey,
): AsyncGenerator<Uint8Array> {
  const reader = new ByteReader(source);
  const { header, bytes: headerBytes } = await readEnvelopeHeader(reader);
  const aesKey = await deriveKey(header, key);
  let index = 0;
  for (;;) {
    const lengthBytes = await reader.read(4);
    if (lengthBytes.length < 4)
      throw new DecryptionError("the encrypted archive is truncated (its last chunk is missing)");
    const length = new DataView(lengthBytes.buffer, lengthBytes.byteOffset).getUint32(0);
    if (length < tagBytes || length > header.chunk + tagBytes)
      throw new DecryptionError(`chunk ${index} of the encrypted archive is damaged`);
    const body = await reader.read(length);
    if (body.length < length) throw new DecryptionError("the encrypted archive is truncated");
    const last = await reader.atEnd();
    const decipher = createDecipheriv("aes-256-gcm", aesKey, nonce(index, last));
    decipher.setAAD(headerBytes);
    decipher.setAuthTag(body.subarray(length - tagBytes));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(body.subarray(0, length - tagBytes)), decipher.final()]);
    } catch {
      throw new DecryptionError(
        index === 0
          ? "the archive cannot be decrypted: wrong passphrase or key, or the archive was changed"
          : `chunk ${index} of the archive fails authentication: the archive was changed or damaged`,
      );
    }
    index++;
    if (plain.length > 0) yield new Uint8Array(plain.buffer, plain.byteOffset, plain.length);
    if (last) return;
  }
}
