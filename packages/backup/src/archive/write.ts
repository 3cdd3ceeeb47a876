import { chunksOf, streamOf } from "../format/byte-reader.ts";
import { type EncryptionKey, encryptStream } from "../format/encryption.ts";
import { manifestName, manifestTotals } from "../format/manifest.ts";
import { endOfArchive, tarMember } from "../format/tar-stream.ts";
import { readVerified } from "./file-hash.ts";
import type { ProgressListener } from "./progress.ts";
import type { Snapshot } from "./snapshot.ts";

/**
 * The archive's tar: manifest.json, then the directories, files and symlinks it lists, in that
 * order. Every file is checked against its manifest hash as it is written.
 */
export async function* archiveTar(
  snapshot: Snapshot,
  onProgress?: ProgressListener,
): AsyncGenerator<Uint8Array> {
  const { manifest } = snapshot;
  const now = Date.now();
  const manifestBytes = new TextEncoder().encode(`${JSON.stringify(manifest, null, 1)}\n`);
  yield* tarMember(
    { name: manifestName, kind: "file", size: manifestBytes.length, mode: 0o600, mtime: now },
    [manifestBytes],
  );
  for (const dir of manifest.dirs) {
    yield* tarMember({ name: dir.path, kind: "directory", size: 0, mode: dir.mode, mtime: now });
  }
  const totalBytes = manifestTotals(manifest).bytes;
  let bytes = 0;
  let files = 0;
  for (const file of manifest.files) {
    const source = snapshot.sources.get(file.path);
    if (!source) throw new Error(`snapshot has no source for ${file.path}`);
    onProgress?.({ phase: "archive", member: file.path, files, bytes, totalBytes });
    yield* tarMember(
      { name: file.path, kind: "file", size: file.size, mode: file.mode, mtime: source.mtime },
      readVerified(source.path, file.size, file.sha256),
    );
    bytes += file.size;
    files++;
  }
  for (const link of manifest.symlinks) {
    yield* tarMember({
      name: link.path,
      kind: "symlink",
      size: 0,
      mode: 0o777,
      mtime: now,
      linkname: link.target,
    });
  }
  onProgress?.({ phase: "archive", files, bytes, totalBytes });
  yield endOfArchive;
}

/** The archive as it is stored: the tar gzip-compressed, then encrypted when a key is given. */
export function archiveStream(
  snapshot: Snapshot,
  options: { encryption?: EncryptionKey; onProgress?: ProgressListener } = {},
): ReadableStream<Uint8Array> {
  const gzipped = streamOf(archiveTar(snapshot, options.onProgress)).pipeThrough(
    new CompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>,
  );
  if (!options.encryption) return gzipped;
  return streamOf(encryptStream(chunksOf(gzipped), options.encryption));
}
