import { ReleaseFormatError, ReleaseVerificationError } from "./errors.ts";

export interface ChecksumEntry {
  name: string;
  sha256: string;
}

const line = /^([0-9a-f]{64}) [ *]([A-Za-z0-9._+-]+)$/;

/** `sha256sum` text format (`<hex>  <name>`), sorted by name, so `sha256sum -c SHA256SUMS` checks it. */
export function formatChecksums(entries: readonly ChecksumEntry[]): string {
  const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of sorted) {
    if (!line.test(`${entry.sha256}  ${entry.name}`))
      throw new ReleaseFormatError(
        `cannot list "${entry.name}" in SHA256SUMS: not a plain file name or digest`,
      );
  }
  return sorted.map((entry) => `${entry.sha256}  ${entry.name}\n`).join("");
}

/** Parses SHA256SUMS strictly: one `<64 hex>  <name>` per line, no name twice. */
export function parseChecksums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  for (const [index, raw] of lines.entries()) {
    const match = line.exec(raw);
    if (!match) throw new ReleaseFormatError(`SHA256SUMS line ${index + 1} is not "<sha256>  <file name>"`);
    const [, sha256, name] = match as unknown as [string, string, string];
    if (sums.has(name)) throw new ReleaseFormatError(`SHA256SUMS lists ${name} twice`);
    sums.set(name, sha256);
  }
  if (sums.size === 0) throw new ReleaseFormatError("SHA256SUMS is empty");
  return sums;
}

export function sha256Hex(data: Uint8Array | string): string {
  return new Bun.CryptoHasher("sha256").update(data).digest("hex");
}

/** Throws unless `data` is the file SHA256SUMS lists under `name`. */
export function checkDigest(sums: Map<string, string>, name: string, data: Uint8Array): void {
  const expected = sums.get(name);
  if (!expected)
    throw new ReleaseVerificationError(`SHA256SUMS does not list ${name}: this release has no such file`);
  const actual = sha256Hex(data);
  if (actual !== expected)
    throw new ReleaseVerificationError(
      `${name} does not match SHA256SUMS (sha256 ${actual}, expected ${expected}): the download is corrupt or was altered; download it again and do not install this copy`,
    );
}
