/**
 * Reads one regular file out of a tar archive (ustar, as scripts/release/archives.ts writes it and
 * GNU tar reads it): enough for `pier upgrade` to take the binary out of a release archive without
 * a tar program. Pure.
 */

const BLOCK = 512;

function field(header: Uint8Array, offset: number, length: number): string {
  const bytes = header.subarray(offset, offset + length);
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end === -1 ? bytes : bytes.subarray(0, end));
}

function octal(header: Uint8Array, offset: number, length: number): number {
  const text = field(header, offset, length).trim();
  return text === "" ? 0 : Number.parseInt(text, 8);
}

/** The bytes of the regular file `name` in `tar`, or undefined when the archive has none. */
export function tarEntry(tar: Uint8Array, name: string): Uint8Array | undefined {
  let offset = 0;
  let longName: string | undefined;
  while (offset + BLOCK <= tar.length) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) return undefined;
    const size = octal(header, 124, 12);
    const type = String.fromCharCode(header[156] ?? 0);
    const prefix = field(header, 345, 155);
    const entryName = longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
    longName = undefined;
    const dataStart = offset + BLOCK;
    if (dataStart + size > tar.length) throw new Error("the archive is truncated");
    const data = tar.subarray(dataStart, dataStart + size);
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    // GNU long names: the next header's name is in this entry's data.
    if (type === "L") longName = field(data, 0, data.length);
    else if ((type === "0" || type === "\0") && entryName.replace(/^\.\//, "") === name) return data;
  }
  // A whole archive ends with zero blocks, which return above.
  throw new Error("the archive is truncated");
}
