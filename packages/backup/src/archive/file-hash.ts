/** SHA-256 of a file's first `size` bytes, streamed. */
export async function hashFile(path: string, size: number): Promise<string> {
  const hasher = new Bun.CryptoHasher("sha256");
  let read = 0;
  for await (const chunk of Bun.file(path).slice(0, size).stream()) {
    hasher.update(chunk);
    read += chunk.length;
  }
  if (read !== size) throw new FileChangedError(path);
  return hasher.digest("hex");
}

export class FileChangedError extends Error {
  constructor(readonly path: string) {
    super(`${path} changed while it was being backed up (shrunk or rewritten): run the backup again`);
    this.name = "FileChangedError";
  }
}

/**
 * The first `size` bytes of a file, checked against the SHA-256 the snapshot recorded: a file
 * rewritten between the two reads fails the archive instead of putting bytes in it that its
 * manifest does not describe.
 */
export async function* readVerified(path: string, size: number, sha256: string): AsyncGenerator<Uint8Array> {
  const hasher = new Bun.CryptoHasher("sha256");
  let read = 0;
  for await (const chunk of Bun.file(path).slice(0, size).stream()) {
    hasher.update(chunk);
    read += chunk.length;
    yield chunk;
  }
  if (read !== size || hasher.digest("hex") !== sha256) throw new FileChangedError(path);
}
