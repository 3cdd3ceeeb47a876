import {
  createCipheriv,
  createDecipheriv,
  createHash,
  type DecipherGCM,
  type Hash,
  randomBytes,
} from "node:crypto";
import { PassThrough, type Readable, Transform, type TransformCallback, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip, createGzip } from "node:zlib";

/**
 * A stored backup is `gzip(dump)`, optionally encrypted as `IV (12 bytes) | AES-256-GCM | tag
 * (16 bytes)` with a key of its own (sealed with the data dir's secret key in the backup's row).
 * Everything is streamed: memory stays flat whatever the size of the database. The checksum is
 * SHA-256 of the bytes as stored, checked before a restore touches anything.
 */
export interface ArchiveOptions {
  /** 32 bytes; without one the archive is not encrypted. */
  key?: Buffer;
  /** gzip level: 1 is several times faster than 6 for a few percent more bytes (docs/performance.md). */
  level?: number;
}

export interface ArchiveStats {
  sha256: string;
  /** Bytes as stored. */
  sizeBytes: number;
  /** Bytes of the dump before compression. */
  rawBytes: number;
}

/** A pass-through that counts and (optionally) hashes what goes by. */
class Meter extends Transform {
  bytes = 0;
  private readonly hash: Hash | undefined;

  constructor(hashIt: boolean) {
    super();
    this.hash = hashIt ? createHash("sha256") : undefined;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    this.hash?.update(chunk);
    callback(null, chunk);
  }

  digest(): string {
    return this.hash?.digest("hex") ?? "";
  }
}

class GcmEncrypt extends Transform {
  private readonly cipher;
  private readonly iv = randomBytes(12);
  private started = false;

  constructor(key: Buffer) {
    super();
    this.cipher = createCipheriv("aes-256-gcm", key, this.iv);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (!this.started) {
      this.push(this.iv);
      this.started = true;
    }
    callback(null, this.cipher.update(chunk));
  }

  override _flush(callback: TransformCallback): void {
    if (!this.started) this.push(this.iv);
    this.push(this.cipher.final());
    callback(null, this.cipher.getAuthTag());
  }
}

/** Reads the IV first and keeps the last 16 bytes back: they are the tag, checked at the end. */
class GcmDecrypt extends Transform {
  private decipher: DecipherGCM | undefined;
  private head = Buffer.alloc(0);
  private tail = Buffer.alloc(0);

  constructor(private readonly key: Buffer) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let data = chunk;
    if (!this.decipher) {
      this.head = Buffer.concat([this.head, data]);
      if (this.head.length < 12) {
        callback();
        return;
      }
      this.decipher = createDecipheriv("aes-256-gcm", this.key, this.head.subarray(0, 12)) as DecipherGCM;
      data = this.head.subarray(12);
    }
    const joined = Buffer.concat([this.tail, data]);
    const keep = Math.min(16, joined.length);
    this.tail = Buffer.from(joined.subarray(joined.length - keep));
    callback(null, this.decipher.update(joined.subarray(0, joined.length - keep)));
  }

  override _flush(callback: TransformCallback): void {
    if (!this.decipher || this.tail.length < 16) {
      callback(new ArchiveCorruptError("it is truncated"));
      return;
    }
    try {
      this.decipher.setAuthTag(this.tail);
      callback(null, this.decipher.final());
    } catch {
      callback(new ArchiveCorruptError("it does not decrypt with its key (tampered with, or another key)"));
    }
  }
}

export class ArchiveCorruptError extends Error {
  constructor(reason: string) {
    super(`The backup cannot be read: ${reason}.`);
    this.name = "ArchiveCorruptError";
  }
}

export const newArchiveKey = () => randomBytes(32);

/** dump -> gzip -> (encrypt) -> store, measuring both ends. */
export async function writeArchive(
  dump: Readable,
  store: Writable,
  options: ArchiveOptions = {},
): Promise<ArchiveStats> {
  const raw = new Meter(false);
  const stored = new Meter(true);
  const stages: (Readable | Writable | Transform)[] = [dump, raw, createGzip({ level: options.level ?? 1 })];
  if (options.key) stages.push(new GcmEncrypt(options.key));
  stages.push(stored, store);
  await (pipeline as (...streams: unknown[]) => Promise<void>)(...stages);
  return { sha256: stored.digest(), sizeBytes: stored.bytes, rawBytes: raw.bytes };
}

/** stored bytes -> (decrypt) -> gunzip: the dump as it was taken. Any failure is an ArchiveCorruptError. */
export function readArchive(stored: Readable, options: { key?: Buffer } = {}): Readable {
  const out = new PassThrough();
  const stages: (Readable | Transform)[] = [stored];
  if (options.key) stages.push(new GcmDecrypt(options.key));
  stages.push(createGunzip());
  // Not pipeline(): it would destroy `out` with zlib's own error before it could be named.
  for (const stage of stages) {
    stage.on("error", (error: Error) =>
      out.destroy(error instanceof ArchiveCorruptError ? error : new ArchiveCorruptError(error.message)),
    );
  }
  stages.reduce((from, to) => from.pipe(to as Transform)).pipe(out);
  out.on("close", () => stored.destroy());
  return out;
}

/** SHA-256 of a stream (the stored bytes), read to its end. */
export async function sha256Of(stream: Readable): Promise<{ sha256: string; bytes: number }> {
  const meter = new Meter(true);
  meter.resume();
  await pipeline(stream, meter);
  return { sha256: meter.digest(), bytes: meter.bytes };
}
