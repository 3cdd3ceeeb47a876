import { ByteReader } from "./byte-reader.ts";
import {
  BLOCK,
  decodeHeader,
  decodePax,
  encodeHeader,
  endOfArchive,
  paddedSize,
  padding,
  type TarEntry,
  TarFormatError,
} from "./tar-header.ts";

/** Largest pax header accepted: pier writes a path or two, never more. */
const maxPaxBytes = 1024 * 1024;

export interface TarMember {
  entry: TarEntry;
  /** The member's bytes; read them (or not) before asking for the next member. */
  data: AsyncIterable<Uint8Array>;
}

/**
 * The members of a tar stream, one at a time; a member's data is streamed, never gathered. Data a
 * consumer left unread is skipped when it asks for the next member.
 */
export async function* readTar(source: AsyncIterable<Uint8Array>): AsyncGenerator<TarMember> {
  const reader = new ByteReader(source);
  let pax: Record<string, string> = {};
  for (;;) {
    const block = await reader.read(BLOCK);
    if (block.length === 0)
      throw new TarFormatError("the archive ends without tar's end marker (truncated?)");
    if (block.length < BLOCK)
      throw new TarFormatError("the archive ends in the middle of a tar header (truncated?)");
    const header = decodeHeader(block);
    if (header.type === "end") return;
    if (header.type === "pax" || header.type === "skip") {
      if (header.size > maxPaxBytes) throw new TarFormatError("tar extension header too large");
      const data = await reader.read(paddedSize(header.size));
      if (data.length < paddedSize(header.size))
        throw new TarFormatError("the archive ends inside a tar header");
      if (header.type === "pax") pax = decodePax(data.subarray(0, header.size));
      continue;
    }
    const entry: TarEntry = { ...header.entry };
    if (pax.path) entry.name = pax.path;
    if (pax.linkpath) entry.linkname = pax.linkpath;
    if (pax.size && entry.kind === "file") entry.size = Number(pax.size);
    pax = {};
    let remaining = entry.size;
    const data = (async function* () {
      while (remaining > 0) {
        const chunk = await reader.readSome(Math.min(remaining, 1 << 20));
        if (!chunk) throw new TarFormatError(`the archive ends inside ${entry.name} (truncated?)`);
        remaining -= chunk.length;
        yield chunk;
      }
    })();
    yield { entry, data };
    for await (const _ of data) {
      // skip what the consumer did not read
    }
    while (remaining > 0) {
      const chunk = await reader.readSome(remaining);
      if (!chunk) throw new TarFormatError(`the archive ends inside ${entry.name} (truncated?)`);
      remaining -= chunk.length;
    }
    const pad = paddedSize(entry.size) - entry.size;
    if (pad > 0 && (await reader.read(pad)).length < pad)
      throw new TarFormatError("the archive is truncated");
  }
}

export class MemberSizeError extends Error {
  constructor(
    readonly member: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`${member} has ${actual} bytes where ${expected} were expected`);
    this.name = "MemberSizeError";
  }
}

/**
 * One tar member's blocks: header, exactly `entry.size` bytes of `data` (more is cut off, as a
 * growing log is read up to the size it had; fewer is an error), padding. `data` is read to its
 * end, so a source that checks what it read once done gets to.
 */
export async function* tarMember(
  entry: TarEntry,
  data?: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  yield encodeHeader(entry);
  if (entry.kind !== "file") return;
  let written = 0;
  if (data) {
    for await (const chunk of data) {
      const take = Math.min(chunk.length, entry.size - written);
      if (take > 0) yield take === chunk.length ? chunk : chunk.subarray(0, take);
      written += take;
    }
  }
  if (written !== entry.size) throw new MemberSizeError(entry.name, entry.size, written);
  if (entry.size % BLOCK !== 0) yield padding(entry.size);
}

export { endOfArchive };
