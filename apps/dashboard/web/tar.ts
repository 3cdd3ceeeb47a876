/**
 * A small tar writer for uploads from the browser (POST /api/v1/apps/:name/deploy takes a tar.gz):
 * regular files only (directories are implied by the paths), ustar headers, and a PAX header for
 * paths that do not fit ustar's 100 + 155 bytes. Pure, so it is tested against the system's tar.
 */

export interface TarFile {
  /** Relative, "/"-separated: "src/index.ts". */
  path: string;
  data: Uint8Array;
  /** Seconds since the epoch. */
  mtime?: number;
  /** Permission bits; 0o644 unless given. */
  mode?: number;
}

const block = 512;
const encoder = new TextEncoder();

/** "./a//b/" -> "a/b"; null for paths that climb out ("..") or name nothing. */
export function normalizeTarPath(path: string): string | null {
  const parts = path.split(/[/\\]+/).filter((p) => p !== "" && p !== ".");
  if (parts.length === 0 || parts.some((p) => p === "..")) return null;
  return parts.join("/");
}

function writeString(header: Uint8Array, offset: number, length: number, value: string | Uint8Array): void {
  const bytes = typeof value === "string" ? encoder.encode(value) : value;
  header.set(bytes.subarray(0, length), offset);
}

function writeOctal(header: Uint8Array, offset: number, length: number, value: number): void {
  writeString(header, offset, length, `${value.toString(8).padStart(length - 1, "0")}\0`);
}

function header(
  name: Uint8Array,
  prefix: Uint8Array,
  size: number,
  mtime: number,
  mode: number,
  type: string,
) {
  const h = new Uint8Array(block);
  writeString(h, 0, 100, name);
  writeOctal(h, 100, 8, mode);
  writeOctal(h, 108, 8, 0);
  writeOctal(h, 116, 8, 0);
  writeOctal(h, 124, 12, size);
  writeOctal(h, 136, 12, Math.max(0, Math.floor(mtime)));
  writeString(h, 148, 8, "        ");
  writeString(h, 156, 1, type);
  writeString(h, 257, 6, "ustar\0");
  writeString(h, 263, 2, "00");
  writeString(h, 345, 155, prefix);
  let sum = 0;
  for (const byte of h) sum += byte;
  writeString(h, 148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  return h;
}

/** Splits a path into ustar's prefix and name at a "/", or null when it cannot fit. */
function ustarSplit(path: Uint8Array): { prefix: Uint8Array; name: Uint8Array } | null {
  if (path.length <= 100) return { prefix: new Uint8Array(0), name: path };
  for (let i = path.length - 1; i > 0; i--) {
    if (path[i] !== 0x2f) continue;
    const prefix = path.subarray(0, i);
    const name = path.subarray(i + 1);
    if (prefix.length <= 155 && name.length <= 100 && name.length > 0) return { prefix, name };
    if (prefix.length <= 155) break;
  }
  return null;
}

/** A PAX record "LEN path=VALUE\n", where LEN counts the whole record including itself. */
function paxRecord(key: string, value: string): Uint8Array {
  const body = encoder.encode(` ${key}=${value}\n`);
  let length = body.length + 1;
  while (String(length).length + body.length !== length) length = String(length).length + body.length;
  return encoder.encode(`${length} ${key}=${value}\n`);
}

function padded(data: Uint8Array): number {
  return Math.ceil(data.length / block) * block;
}

/** The tar archive of `files`, ending with the two zero blocks. Throws on a path that climbs out. */
export function createTar(files: TarFile[]): Uint8Array {
  // Each part with the room it takes: data is padded to whole blocks (the new buffer's zeros).
  const parts: { bytes: Uint8Array; size: number }[] = [];
  const push = (bytes: Uint8Array, size = bytes.length) => parts.push({ bytes, size });
  for (const file of files) {
    const path = normalizeTarPath(file.path);
    if (!path) throw new Error(`Not a path inside the upload: ${file.path}`);
    const mtime = file.mtime ?? Math.floor(Date.now() / 1000);
    const mode = file.mode ?? 0o644;
    const bytes = encoder.encode(path);
    let split = ustarSplit(bytes);
    if (!split) {
      const record = paxRecord("path", path);
      push(header(encoder.encode("PaxHeader"), new Uint8Array(0), record.length, mtime, 0o644, "x"));
      push(record, padded(record));
      split = { prefix: new Uint8Array(0), name: bytes.subarray(Math.max(0, bytes.length - 100)) };
    }
    push(header(split.name, split.prefix, file.data.length, mtime, mode, "0"));
    push(file.data, padded(file.data));
  }
  push(new Uint8Array(block * 2));
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.size, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part.bytes, offset);
    offset += part.size;
  }
  return out;
}
