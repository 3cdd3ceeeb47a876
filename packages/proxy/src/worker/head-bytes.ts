/**
 * Byte-level pieces of HTTP/1.1 head parsing shared by the request and response parsers. Heads
 * are read straight from the received Buffer: names are matched and numbers parsed in place, so
 * the common request allocates one string (the target) and the common response none, which cost
 * less CPU per proxied request than latin1-string parsers (docs/performance.md, Proxy notes).
 */

/**
 * Cheap pre-filter on (lower-cased first byte, length) so that only header names that could
 * matter are compared byte by byte.
 */
export function nameKey(first: number, length: number): number {
  return ((first | 0x20) << 8) | length;
}

/** The names, grouped by their key (several names can share one). */
export function nameIndex(names: Iterable<string>): Map<number, string[]> {
  const index = new Map<number, string[]>();
  for (const n of names) {
    const key = nameKey(n.charCodeAt(0), n.length);
    const list = index.get(key);
    if (list === undefined) index.set(key, [n]);
    else list.push(n);
  }
  return index;
}

/** Which of `names` (all lower-case) the bytes [start, end) spell, ignoring ASCII case; or null. */
export function matchName(buf: Uint8Array, start: number, end: number, names: string[]): string | null {
  for (let i = 0; i < names.length; i++) {
    if (equalsLowerAscii(buf, start, end, names[i]!)) return names[i]!;
  }
  return null;
}

/**
 * Whether the bytes [start, end) equal `lower` (lower-case) ignoring ASCII case. Case folds only
 * where `lower` has a letter: OR-ing 0x20 elsewhere would let a CR stand for a '-'.
 */
export function equalsLowerAscii(buf: Uint8Array, start: number, end: number, lower: string): boolean {
  if (end - start !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    const c = buf[start + i]!;
    const want = lower.charCodeAt(i);
    if (c !== want && ((c | 0x20) !== want || want < 97 || want > 122)) return false;
  }
  return true;
}

/** Whether `lower` occurs in the bytes [start, end), ignoring ASCII case (a Connection token list). */
export function includesLowerAscii(buf: Uint8Array, start: number, end: number, lower: string): boolean {
  const last = end - lower.length;
  for (let i = start; i <= last; i++) {
    if (equalsLowerAscii(buf, i, i + lower.length, lower)) return true;
  }
  return false;
}

/** Whether the bytes [start, end) spell the string `s` exactly (latin1). */
export function equalsLatin1(buf: Uint8Array, start: number, end: number, s: string): boolean {
  if (end - start !== s.length) return false;
  for (let i = 0; i < s.length; i++) if (buf[start + i] !== s.charCodeAt(i)) return false;
  return true;
}

function isOws(c: number): boolean {
  return c === 32 || c === 9;
}

/** First index at or after `start` that is not optional white space (at most `end`). */
export function skipOws(buf: Uint8Array, start: number, end: number): number {
  while (start < end && isOws(buf[start]!)) start++;
  return start;
}

/** One past the last index before `end` that is not optional white space (at least `start`). */
export function trimOwsEnd(buf: Uint8Array, start: number, end: number): number {
  while (end > start && isOws(buf[end - 1]!)) end--;
  return end;
}

/** 1*DIGIT as a safe integer, or -1 when the bytes are empty, hold anything else or are too large. */
export function parseDecimal(buf: Uint8Array, start: number, end: number): number {
  if (start >= end) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return Number.isSafeInteger(n) ? n : -1;
}

/** Index of the ':' ending a header name in [start, end), or -1. */
export function indexOfColon(buf: Uint8Array, start: number, end: number): number {
  for (let i = start; i < end; i++) if (buf[i] === 58) return i;
  return -1;
}

/**
 * Index of the CR that ends the line starting at `pos`: -1 while the line is incomplete, -2 when
 * that CR is not followed by LF (a bare CR, refused by both parsers).
 */
export function findLineEnd(buf: Buffer, pos: number): number {
  // A loop the JIT inlines: head lines are short, and Buffer#indexOf's native call cost more
  // than the scan (bench/proxy/exchange.ts under bun --cpu-prof; docs/performance.md, Proxy notes).
  const n = buf.length;
  for (let i = pos; i < n; i++) {
    if (buf[i] === 13) {
      if (i + 1 >= n) return -1;
      return buf[i + 1] === 10 ? i : -2;
    }
  }
  return -1;
}

export enum LineKind {
  /** A header line; its fields are in the HeaderLine. */
  Header = 0,
  /** The blank line ending the head. */
  End = 1,
  Incomplete = 2,
  BareCr = 3,
  NoColon = 4,
}

/** What readHeaderLine found; one object per parser, filled again for every line. */
export class HeaderLine {
  /** Index of the line's CR. */
  end = 0;
  colon = 0;
  /** The name from the index the line's name spells (ignoring case), else null. */
  name: string | null = null;
  /** The value without surrounding optional white space; set only when `name` is not null. */
  valueStart = 0;
  valueEnd = 0;
}

/**
 * Reads the head line starting at `pos` into `line`. Only names in `names` are identified (the
 * rest are skipped without reading their values); each parser turns the other kinds into its own
 * error.
 */
export function readHeaderLine(
  buf: Buffer,
  pos: number,
  names: Map<number, string[]>,
  line: HeaderLine,
): LineKind {
  const end = findLineEnd(buf, pos);
  if (end === -1) return LineKind.Incomplete;
  if (end === -2) return LineKind.BareCr;
  line.end = end;
  if (end === pos) return LineKind.End;
  const colon = indexOfColon(buf, pos, end);
  if (colon === -1) return LineKind.NoColon;
  line.colon = colon;
  const candidates = names.get(nameKey(buf[pos]!, colon - pos));
  const name = candidates === undefined ? null : matchName(buf, pos, colon, candidates);
  line.name = name;
  if (name !== null) {
    line.valueStart = skipOws(buf, colon + 1, end);
    line.valueEnd = trimOwsEnd(buf, line.valueStart, end);
  }
  return LineKind.Header;
}
