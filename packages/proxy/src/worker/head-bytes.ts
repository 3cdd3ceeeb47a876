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

/**
 * tchar (RFC 9110 5.6.2): the bytes a header name may hold. Anything else before the colon (a
 * space, a tab, a separator) makes the line one that proxies and servers read differently, which
 * is how request smuggling starts: such a line is refused, never passed on.
 */
const TCHAR = (() => {
  const table = new Uint8Array(256);
  for (let c = 0x21; c < 0x7f; c++) table[c] = 1;
  for (const c of '"(),/:;<=>?@[\\]{}') table[c.charCodeAt(0)] = 0;
  return table;
})();

/** Whether `c` may be part of a header name (a token). */
export function isTokenByte(c: number): boolean {
  return TCHAR[c] === 1;
}

/** Index of the ':' ending a header name in [start, end); -1 without one, -2 after a byte no name holds. */
export function indexOfColon(buf: Uint8Array, start: number, end: number): number {
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c === 58) return i;
    if (TCHAR[c] === 0) return -2;
  }
  return -1;
}

/**
 * Index of the CR that ends the line starting at `pos`: -1 while the line is incomplete, -2 when
 * that CR is not followed by LF (a bare CR), -3 at a control byte other than a tab (a bare LF, a
 * NUL, DEL; RFC 9110 5.5): both parsers refuse the last two, since other HTTP implementations end
 * or split lines there and would read the head differently.
 */
export function findLineEnd(buf: Buffer, pos: number): number {
  // A loop the JIT inlines: head lines are short, and Buffer#indexOf's native call cost more
  // than the scan (bench/proxy/exchange.ts under bun --cpu-prof; docs/performance.md, Proxy notes).
  // Printable bytes take one comparison.
  const n = buf.length;
  for (let i = pos; i < n; i++) {
    const c = buf[i]!;
    if (c < 32 || c === 127) {
      if (c === 13) {
        if (i + 1 >= n) return -1;
        return buf[i + 1] === 10 ? i : -2;
      }
      if (c !== 9) return -3;
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
  /** A control byte other than a tab (a bare LF, a NUL) in the line. */
  BadByte = 5,
  /** A line starting with a space or tab: an obs-fold continuation (RFC 9112 5.2), refused. */
  Folded = 6,
  /** A byte no header name may hold before the colon (white space before it, a separator). */
  BadName = 7,
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
  if (end < 0) return end === -1 ? LineKind.Incomplete : end === -2 ? LineKind.BareCr : LineKind.BadByte;
  line.end = end;
  if (end === pos) return LineKind.End;
  const first = buf[pos]!;
  if (first === 32 || first === 9) return LineKind.Folded;
  const colon = indexOfColon(buf, pos, end);
  if (colon < 0) return colon === -1 ? LineKind.NoColon : LineKind.BadName;
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

/** What scanHeadEnd returns when the parser has something to say about the bytes so far. */
export const HEAD_READY = -1;

/**
 * Follows a head (a request's or an upstream's answer) arriving in pieces, from `from` in `buf`,
 * for what makes parsing it worthwhile: the blank line that ends it, or a byte the parsers refuse
 * (a bare CR or LF, another control byte, DEL), which is then refused at once. Parsing every piece from the head's first
 * byte made a head sent a few bytes at a time cost quadratic CPU; this reads each byte once.
 * `matched` is how much of CR LF CR LF the bytes before `from` end with (0 when none came yet);
 * returns HEAD_READY, or that count for the bytes up to the end of `buf`, to pass with the next piece.
 */
export function scanHeadEnd(buf: Uint8Array, from: number, matched: number): number {
  let m = matched;
  const n = buf.length;
  for (let i = from; i < n; i++) {
    const c = buf[i]!;
    // After a CR only LF may come: 1 and 3 are the counts that end with a CR.
    if ((m & 1) === 1) {
      if (c !== 10 || m === 3) return HEAD_READY;
      m = 2;
    } else if (c === 13) m++;
    else if ((c < 32 && c !== 9) || c === 127) return HEAD_READY;
    else m = 0;
  }
  return m;
}
