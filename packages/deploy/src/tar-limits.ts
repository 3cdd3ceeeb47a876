import { DeployError } from "./errors.ts";

/** What a release archive may expand to. Environment: PIER_RELEASE_MAX_BYTES, PIER_RELEASE_MAX_FILES. */
export interface ReleaseLimits {
  maxBytes: number;
  maxFiles: number;
}

export const defaultReleaseLimits: ReleaseLimits = { maxBytes: 2 * 1024 ** 3, maxFiles: 200_000 };

export function releaseLimitsFromEnv(env: Record<string, string | undefined> = process.env): ReleaseLimits {
  const read = (name: string, fallback: number) => {
    const value = Number(env[name]);
    return Number.isSafeInteger(value) && value > 0 ? value : fallback;
  };
  return {
    maxBytes: read("PIER_RELEASE_MAX_BYTES", defaultReleaseLimits.maxBytes),
    maxFiles: read("PIER_RELEASE_MAX_FILES", defaultReleaseLimits.maxFiles),
  };
}

export class ReleaseArchiveError extends DeployError {
  constructor(message: string) {
    super("RELEASE_ARCHIVE_REFUSED", message);
  }
}

export interface TarSummary {
  files: number;
  bytes: number;
}

const block = 512;
/** Device nodes and FIFOs have no place in an app's source; extracting them as root is a hazard. */
const refusedTypes: Record<string, string> = { "3": "character device", "4": "block device", "6": "FIFO" };
/** Entries whose data is metadata for the next entry (pax, GNU long names), not a file. */
const metaTypes = new Set(["x", "g", "L", "K"]);

function readOctal(header: Uint8Array, offset: number, length: number): number {
  // GNU base-256 for sizes over 8 GiB: the high bit of the first byte is set.
  if (header[offset]! & 0x80) {
    let value = header[offset]! & 0x7f;
    for (let i = 1; i < length; i++) value = value * 256 + header[offset + i]!;
    return value;
  }
  let text = "";
  for (let i = offset; i < offset + length; i++) {
    const c = header[i]!;
    if (c === 0 || c === 0x20) {
      if (text) break;
      continue;
    }
    text += String.fromCharCode(c);
  }
  const value = text ? Number.parseInt(text, 8) : 0;
  if (Number.isNaN(value))
    throw new ReleaseArchiveError("The archive is not a valid tar file (bad size field).");
  return value;
}

function readName(header: Uint8Array): string {
  const end = header.indexOf(0);
  return new TextDecoder().decode(header.subarray(0, end === -1 || end > 100 ? 100 : end));
}

/**
 * Reads tar headers as the bytes stream past, without writing anything: counts files and their
 * expanded size and stops at the first entry over a limit or of a refused type, so a 2 MB gzip
 * bomb costs the time to decompress up to the limit, not 2 GB of disk. Feed it the uncompressed
 * tar stream.
 */
export class TarScanner {
  readonly summary: TarSummary = { files: 0, bytes: 0 };
  private pending = new Uint8Array(0);
  /** Data bytes of the current entry still to skip. */
  private skip = 0;

  constructor(private readonly limits: ReleaseLimits) {}

  push(chunk: Uint8Array): void {
    const buffer = this.pending.length ? concat(this.pending, chunk) : chunk;
    let offset = 0;
    for (;;) {
      if (this.skip > 0) {
        const skipped = Math.min(this.skip, buffer.length - offset);
        this.skip -= skipped;
        offset += skipped;
        if (this.skip > 0) break;
        continue;
      }
      if (buffer.length - offset < block) break;
      this.header(buffer.subarray(offset, offset + block));
      offset += block;
    }
    this.pending = buffer.slice(offset);
  }

  private header(header: Uint8Array): void {
    // The end of the archive is two zero blocks; anything after them is ignored by tar too.
    if (header.every((b) => b === 0)) return;
    const type = String.fromCharCode(header[156]!);
    const size = readOctal(header, 124, 12);
    const name = readName(header);
    const refused = refusedTypes[type];
    if (refused)
      throw new ReleaseArchiveError(`The archive holds a ${refused} (${name}); pier refuses those.`);
    // Data rounded up to whole blocks follows the header.
    this.skip = Math.ceil(size / block) * block;
    if (metaTypes.has(type)) return;
    this.summary.files++;
    if (type === "0" || type === "\0" || type === "7") this.summary.bytes += size;
    if (this.summary.files > this.limits.maxFiles) {
      throw new ReleaseArchiveError(
        `The release has more than ${this.limits.maxFiles} files; raise PIER_RELEASE_MAX_FILES if that is intended, or leave build output and dependencies out (.dockerignore).`,
      );
    }
    if (this.summary.bytes > this.limits.maxBytes) {
      throw new ReleaseArchiveError(
        `The release expands to more than ${formatBytes(this.limits.maxBytes)}; raise PIER_RELEASE_MAX_BYTES if that is intended, or leave large files out (.dockerignore).`,
      );
    }
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 ** 3
    ? `${(bytes / 1024 ** 3).toFixed(1)} GiB`
    : `${Math.round(bytes / 1024 ** 2)} MiB`;
}
