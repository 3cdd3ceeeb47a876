/**
 * Docker's `timestamps` prefix is RFC 3339 with up to nine fraction digits, trailing zeros
 * trimmed (Go's RFC3339Nano). Padded to nine digits, two stamps compare as strings in time
 * order: what the collector's cursor relies on to skip lines it already stored.
 */
export function normaliseDockerTime(stamp: string): string | null {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/.exec(stamp);
  if (!match) return null;
  return `${match[1]}.${(match[2] ?? "").padEnd(9, "0")}Z`;
}

/** A raw line with the timestamp Docker put in front of it (normalised), or null for the stamp. */
export function splitDockerLine(raw: string): { stamp: string | null; ms: number; line: string } {
  const space = raw.indexOf(" ");
  const stamp = space > 0 ? normaliseDockerTime(raw.slice(0, space)) : null;
  if (!stamp) return { stamp: null, ms: Date.now(), line: raw };
  return { stamp, ms: Date.parse(`${stamp.slice(0, 23)}Z`), line: raw.slice(space + 1) };
}

/** Seconds since the epoch of a normalised stamp, for the Engine's `since` (whole seconds). */
export function stampSeconds(stamp: string): number {
  return Math.floor(Date.parse(`${stamp.slice(0, 19)}Z`) / 1000);
}
