import { BackupDamagedError, BackupKeyError } from "../errors.ts";
import { ByteReader, chunksOf, streamOf } from "../format/byte-reader.ts";
import {
  DecryptionError,
  decryptStream,
  type EncryptionKey,
  type EnvelopeHeader,
  isEncrypted,
  readEnvelopeHeader,
} from "../format/encryption.ts";
import {
  type Manifest,
  ManifestError,
  type ManifestFile,
  manifestName,
  parseManifest,
} from "../format/manifest.ts";
import { TarFormatError } from "../format/tar-header.ts";
import { readTar } from "../format/tar-stream.ts";
import type { ProgressListener } from "./progress.ts";

/** DecompressionStream, typed as the byte transform it is. */
const gunzip = () => new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>;

const maxManifestBytes = 256 * 1024 * 1024;

export interface ArchiveVisitor {
  /** Called once the manifest is read, before any other member; throw to stop (a refusal). */
  manifest?(manifest: Manifest): Promise<void> | void;
  /** A file's bytes as they stream past; they are hashed on the way and checked once read. */
  file?(file: ManifestFile, data: AsyncIterable<Uint8Array>): Promise<void>;
  dir?(dir: Manifest["dirs"][number]): Promise<void>;
  symlink?(link: Manifest["symlinks"][number]): Promise<void>;
  onProgress?: ProgressListener;
}

/** The first `length` bytes of a stream, and the whole stream again (those bytes included). */
async function peek(source: AsyncIterable<Uint8Array>, length: number) {
  const reader = new ByteReader(source);
  const head = await reader.read(length);
  async function* again() {
    if (head.length) yield head;
    for (;;) {
      const chunk = await reader.readSome(1 << 20);
      if (!chunk) return;
      yield chunk;
    }
  }
  return { head, stream: again() };
}

/** Whether an archive is encrypted, and its envelope header if so, from its first bytes. */
export async function archiveKind(
  stream: ReadableStream<Uint8Array>,
): Promise<{ encrypted: boolean; header?: EnvelopeHeader }> {
  const reader = new ByteReader(chunksOf(stream));
  try {
    const head = await reader.read(8);
    if (!isEncrypted(head)) return { encrypted: false };
    const again = new ByteReader(
      (async function* () {
        yield head;
        for (;;) {
          const chunk = await reader.readSome(1 << 16);
          if (!chunk) return;
          yield chunk;
        }
      })(),
    );
    return { encrypted: true, header: (await readEnvelopeHeader(again)).header };
  } finally {
    await reader.cancel();
  }
}

async function* hashing(
  data: AsyncIterable<Uint8Array>,
  hasher: Bun.CryptoHasher,
  count: (n: number) => void,
): AsyncGenerator<Uint8Array> {
  for await (const chunk of data) {
    hasher.update(chunk);
    count(chunk.length);
    yield chunk;
  }
}

function damaged(error: unknown): Error {
  if (error instanceof DecryptionError) {
    return /wrong passphrase|another key file|encrypted with a/.test(error.message)
      ? new BackupKeyError(error.message)
      : new BackupDamagedError(error.message);
  }
  if (error instanceof TarFormatError || error instanceof ManifestError)
    return new BackupDamagedError(error.message);
  // DecompressionStream's own errors: a flipped byte in the compressed stream, or a cut-off one.
  if (
    error instanceof Error &&
    /gzip|inflate|deflate|decompress|zlib|incorrect header|invalid|unexpected end/i.test(error.message)
  )
    return new BackupDamagedError(`the compressed data is corrupt (${error.message})`);
  return error as Error;
}

/**
 * Reads an archive once, start to end: decrypts it (when encrypted: `key` is required),
 * decompresses it, checks the manifest comes first, and checks every member against it (listed,
 * of its kind and size, SHA-256 equal, none missing, none twice). The visitor sees each member as
 * it passes; nothing it does is final until this resolves.
 */
export async function readArchive(
  stream: ReadableStream<Uint8Array>,
  key: EncryptionKey | undefined,
  visitor: ArchiveVisitor = {},
): Promise<{ manifest: Manifest; encrypted: boolean }> {
  const { head, stream: whole } = await peek(chunksOf(stream), 8);
  const encrypted = isEncrypted(head);
  if (!encrypted && !(head[0] === 0x1f && head[1] === 0x8b))
    throw new BackupDamagedError(
      "this is not a pier backup (neither a gzip-compressed tar nor an encrypted archive)",
    );
  if (encrypted && !key)
    throw new BackupKeyError(
      "the archive is encrypted: give its key file (--key-file FILE) or passphrase (--passphrase-stdin, or PIER_BACKUP_PASSPHRASE)",
    );
  const plain = encrypted ? decryptStream(whole, key!) : whole;
  const tar = chunksOf(streamOf(plain).pipeThrough(gunzip()));
  try {
    return { manifest: await visit(tar, visitor), encrypted };
  } catch (error) {
    throw damaged(error);
  }
}

async function visit(tar: AsyncIterable<Uint8Array>, visitor: ArchiveVisitor): Promise<Manifest> {
  let manifest: Manifest | undefined;
  let files = new Map<string, ManifestFile>();
  let dirs = new Map<string, Manifest["dirs"][number]>();
  let links = new Map<string, Manifest["symlinks"][number]>();
  const seen = new Set<string>();
  let bytes = 0;
  let fileCount = 0;
  for await (const { entry, data } of readTar(tar)) {
    if (!manifest) {
      if (entry.name !== manifestName || entry.kind !== "file")
        throw new BackupDamagedError("the archive does not start with manifest.json");
      if (entry.size > maxManifestBytes) throw new BackupDamagedError("manifest.json is implausibly large");
      const parts: Uint8Array[] = [];
      for await (const chunk of data) parts.push(chunk);
      manifest = parseManifest(new TextDecoder().decode(Buffer.concat(parts)));
      files = new Map(manifest.files.map((f) => [f.path, f]));
      dirs = new Map(manifest.dirs.map((d) => [d.path, d]));
      links = new Map(manifest.symlinks.map((l) => [l.path, l]));
      await visitor.manifest?.(manifest);
      continue;
    }
    const name = entry.name.replace(/\/$/, "");
    if (seen.has(name)) throw new BackupDamagedError(`${name} appears twice`);
    seen.add(name);
    if (entry.kind === "directory") {
      const dir = dirs.get(name);
      if (!dir) throw new BackupDamagedError(`${name} is not listed in the manifest`);
      await visitor.dir?.(dir);
    } else if (entry.kind === "symlink") {
      const link = links.get(name);
      if (!link || link.target !== entry.linkname)
        throw new BackupDamagedError(`the link ${name} is not the manifest's`);
      await visitor.symlink?.(link);
    } else {
      const file = files.get(name);
      if (!file) throw new BackupDamagedError(`${name} is not listed in the manifest`);
      if (file.size !== entry.size)
        throw new BackupDamagedError(`${name} has ${entry.size} bytes, the manifest says ${file.size}`);
      const hasher = new Bun.CryptoHasher("sha256");
      const counted = hashing(data, hasher, (n) => {
        bytes += n;
      });
      if (visitor.file) await visitor.file(file, counted);
      for await (const _ of counted) {
        // hash what the visitor left unread
      }
      if (hasher.digest("hex") !== file.sha256)
        throw new BackupDamagedError(`${name} does not match its checksum`);
      fileCount++;
      visitor.onProgress?.({ phase: "verify", member: name, files: fileCount, bytes });
    }
  }
  if (!manifest) throw new BackupDamagedError("the archive is empty");
  const missing = [...files.keys(), ...dirs.keys(), ...links.keys()].filter((path) => !seen.has(path));
  if (missing.length > 0)
    throw new BackupDamagedError(
      `${missing.length} member(s) of the manifest are missing (first: ${missing[0]})`,
    );
  return manifest;
}
