/**
 * POSIX tar (ustar with pax extended headers) as far as pier's archives need it: regular files,
 * directories and symlinks. Pure: 512-byte blocks in, fields out, and back. A name longer than
 * ustar's 100 bytes or a size of 8 GiB or more goes into a pax header ahead of the member, so
 * `tar` itself can list and extract an unencrypted archive.
 */

export const BLOCK = 512;

export type TarKind = "file" | "directory" | "symlink";

export interface TarEntry {
  name: string;
  kind: TarKind;
  size: number;
  mode: number;
  mtime: number;
  /** Target of a symlink. */
  linkname?: string;
}

const typeflags: Record<TarKind, string> = { file: "0", directory: "5", symlink: "2" };
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function writeString(block: Uint8Array, offset: number, length: number, value: string): void {
  const bytes = encoder.encode(value);
  block.set(bytes.subarray(0, length), offset);
}

function writeOctal(block: Uint8Array, offset: number, length: number, value: number): void {
  writeString(block, offset, length, `${value.toString(8).padStart(length - 1, "0")}\0`);
}

function fitsUstar(name: string): boolean {
  return encoder.encode(name).length <= 100;
}

/** One pax record: "LEN key=value\n", where LEN counts the whole record including itself. */
export function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bodyLength = encoder.encode(body).length;
  let length = bodyLength + 1;
  while (String(length).length + bodyLength !== length) length = String(length).length + bodyLength;
  return `${length}${body}`;
}

function headerBlock(entry: TarEntry, name: string, size: number, typeflag: string): Uint8Array {
  const block = new Uint8Array(BLOCK);
  writeString(block, 0, 100, name);
  writeOctal(block, 100, 8, entry.mode & 0o7777);
  writeOctal(block, 108, 8, 0);
  writeOctal(block, 116, 8, 0);
  writeOctal(block, 124, 12, size);
  writeOctal(block, 136, 12, Math.max(0, Math.floor(entry.mtime / 1000)));
  block.fill(0x20, 148, 156);
  writeString(block, 156, 1, typeflag);
  if (entry.linkname) writeString(block, 157, 100, entry.linkname);
  writeString(block, 257, 6, "ustar\0");
  writeString(block, 263, 2, "00");
  let sum = 0;
  for (const byte of block) sum += byte;
  writeString(block, 148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  return block;
}

/** The header block(s) of a member: a pax header first when ustar cannot hold its name or size. */
export function encodeHeader(entry: TarEntry): Uint8Array {
  const size = entry.kind === "file" ? entry.size : 0;
  const records: string[] = [];
  if (!fitsUstar(entry.name)) records.push(paxRecord("path", entry.name));
  if (entry.linkname && !fitsUstar(entry.linkname)) records.push(paxRecord("linkpath", entry.linkname));
  const hugeSize = size > 0o77777777777;
  if (hugeSize) records.push(paxRecord("size", String(size)));
  const main = headerBlock(entry, entry.name.slice(0, 100), hugeSize ? 0 : size, typeflags[entry.kind]);
  if (records.length === 0) return main;
  const pax = encoder.encode(records.join(""));
  const paxHeader = headerBlock({ ...entry, linkname: undefined }, "PaxHeader", pax.length, "x");
  const out = new Uint8Array(BLOCK + paddedSize(pax.length) + BLOCK);
  out.set(paxHeader, 0);
  out.set(pax, BLOCK);
  out.set(main, BLOCK + paddedSize(pax.length));
  return out;
}

export function paddedSize(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

/** Zero bytes that pad a member's data to the block size. */
export function padding(size: number): Uint8Array {
  return new Uint8Array(paddedSize(size) - size);
}

/** Two zero blocks end an archive. */
export const endOfArchive = new Uint8Array(BLOCK * 2);

export class TarFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TarFormatError";
  }
}

function readString(block: Uint8Array, offset: number, length: number): string {
  const slice = block.subarray(offset, offset + length);
  const end = slice.indexOf(0);
  return decoder.decode(end === -1 ? slice : slice.subarray(0, end));
}

function readOctal(block: Uint8Array, offset: number, length: number): number {
  const text = readString(block, offset, length).trim();
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarFormatError(`bad number "${text}" in a tar header`);
  return Number.parseInt(text, 8);
}

export type RawHeader =
  | { type: "end" }
  | { type: "pax"; size: number }
  | { type: "skip"; size: number }
  | { type: "entry"; entry: TarEntry };

/** Reads one header block; checks its checksum. Pax and other extension headers are told apart. */
export function decodeHeader(block: Uint8Array): RawHeader {
  if (block.every((b) => b === 0)) return { type: "end" };
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  if (sum !== readOctal(block, 148, 8)) throw new TarFormatError("tar header checksum mismatch");
  const typeflag = readString(block, 156, 1);
  const size = readOctal(block, 124, 12);
  if (typeflag === "x") return { type: "pax", size };
  if (typeflag === "g" || typeflag === "L" || typeflag === "K") return { type: "skip", size };
  const prefix = readString(block, 345, 155);
  const base = readString(block, 0, 100);
  const name = prefix ? `${prefix}/${base}` : base;
  const kind: TarKind | undefined =
    typeflag === "0" || typeflag === ""
      ? "file"
      : typeflag === "5"
        ? "directory"
        : typeflag === "2"
          ? "symlink"
          : undefined;
  if (!kind) throw new TarFormatError(`unsupported tar member type "${typeflag}" (${name})`);
  return {
    type: "entry",
    entry: {
      name,
      kind,
      size: kind === "file" ? size : 0,
      mode: readOctal(block, 100, 8),
      mtime: readOctal(block, 136, 12) * 1000,
      linkname: kind === "symlink" ? readString(block, 157, 100) : undefined,
    },
  };
}

/** The records of a pax header. */
export function decodePax(data: Uint8Array): Record<string, string> {
  const records: Record<string, string> = {};
  let at = 0;
  // Record lengths count bytes, not characters: names may be UTF-8.
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space === -1) break;
    const length = Number(decoder.decode(data.subarray(at, space)));
    if (!Number.isInteger(length) || length <= space - at || at + length > data.length)
      throw new TarFormatError("bad pax record length");
    const record = decoder.decode(data.subarray(space + 1, at + length - 1));
    const eq = record.indexOf("=");
    if (eq > 0) records[record.slice(0, eq)] = record.slice(eq + 1);
    at += length;
  }
  return records;
}
