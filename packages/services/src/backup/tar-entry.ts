/**
 * The smallest tar the Engine's archive API accepts: one regular file, streamed (its size is known
 * up front from the backup's row). Pure.
 */
export function tarHeader(name: string, size: number, mode = 0o644): Buffer {
  const header = Buffer.alloc(512);
  const field = (offset: number, length: number, value: string) =>
    header.write(value, offset, length, "ascii");
  const octal = (value: number, length: number) => value.toString(8).padStart(length - 1, "0");
  field(0, 100, name);
  field(100, 8, octal(mode, 8));
  field(108, 8, octal(0, 8));
  field(116, 8, octal(0, 8));
  field(124, 12, octal(size, 12));
  field(136, 12, octal(Math.floor(Date.now() / 1000), 12));
  field(148, 8, "        ");
  header[156] = "0".charCodeAt(0);
  field(257, 6, "ustar\0");
  field(263, 2, "00");
  let sum = 0;
  for (const byte of header) sum += byte;
  field(148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
  return header;
}

/** Zero bytes after the file up to a 512-byte boundary, then the two empty end blocks. */
export function tarTrailer(size: number): Buffer {
  const padding = (512 - (size % 512)) % 512;
  return Buffer.alloc(padding + 1024);
}
