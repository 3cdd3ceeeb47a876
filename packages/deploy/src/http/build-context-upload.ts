import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { PierError, ValidationError } from "@pier/core";
import { isStorageFull, StorageFullError } from "@pier/db";

/** Uploaded build contexts; larger trees belong in git or an image. */
const maxUploadBytes = 512 * 1024 * 1024;

/**
 * Streams an uploaded build context to `<dataDir>/uploads` and answers its path. Refuses bodies
 * that are empty, too large or not an archive before anything is built from them.
 */
export async function receiveBuildContext(request: Request, dataDir: string): Promise<string> {
  if (!request.body) throw new ValidationError("Send the build context as a tar.gz request body.");
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > maxUploadBytes) throw tooLarge();
  const dir = join(dataDir, "uploads");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tarPath = join(dir, `${crypto.randomUUID()}.tar.gz`);
  const writer = Bun.file(tarPath).writer();
  let bytes = 0;
  let head = new Uint8Array(0);
  try {
    for await (const chunk of request.body) {
      // Anything but an archive (a JSON body, a form) would only fail later, in the build.
      if (head.length < archiveHeadBytes) {
        head = new Uint8Array([...head, ...chunk.subarray(0, archiveHeadBytes - head.length)]);
        if (head.length === archiveHeadBytes && !looksLikeArchive(head)) throw notAnArchive();
      }
      bytes += chunk.byteLength;
      if (bytes > maxUploadBytes) throw tooLarge();
      // A write that reaches the disk answers a promise: awaited, a full disk (ENOSPC) lands below
      // instead of in an unhandled rejection while the upload "succeeds".
      const written = writer.write(chunk);
      if (typeof written !== "number") await written;
    }
    await writer.end();
  } catch (error) {
    // Ending a sink whose write failed (a full disk) can fail again: the file goes either way.
    await Promise.resolve()
      .then(() => writer.end())
      .catch(() => {});
    await rm(tarPath, { force: true });
    // A full disk is no fault of the upload: 507 names the disk to free (nothing is left behind).
    throw isStorageFull(error) ? new StorageFullError("local", dataDir) : error;
  }
  if (bytes === 0) {
    await rm(tarPath, { force: true });
    throw new ValidationError("The uploaded build context is empty.");
  }
  if (!looksLikeArchive(head)) {
    await rm(tarPath, { force: true });
    throw notAnArchive();
  }
  return tarPath;
}

/** gzip starts with 1f 8b; a POSIX tar has "ustar" at byte 257 of its first header. */
const archiveHeadBytes = 262;
function looksLikeArchive(head: Uint8Array): boolean {
  if (head[0] === 0x1f && head[1] === 0x8b) return true;
  return new TextDecoder().decode(head.subarray(257, 262)) === "ustar";
}

function notAnArchive(): ValidationError {
  return new ValidationError(
    "The build context must be a tar or tar.gz archive (e.g. the output of `tar -czf - .`).",
  );
}

function tooLarge(): PierError {
  return new PierError(
    "payload_too_large",
    `Uploads are limited to ${maxUploadBytes / 1024 / 1024} MiB; deploy bigger trees with git push or --image.`,
    413,
  );
}
