/**
 * Objects and arrays nested deeper than this in an event become the strings "[Object]" and
 * "[Array]", as Sentry's SDKs normalize (`normalizeDepth`). Every later step (scrubbing, grouping,
 * JSON.stringify on the way out) recurses, and 200,000 nested arrays in `extra` (under the body
 * limit) overflowed the stack of the writer thread. 20 keeps frame variables and contexts whole:
 * the scrubber also looks no deeper than that.
 */
export const MAX_EVENT_DEPTH = 20;

const OPEN_OBJECT = 0x7b; // {
const OPEN_ARRAY = 0x5b; // [
const CLOSE_OBJECT = 0x7d; // }
const CLOSE_ARRAY = 0x5d; // ]
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The JSON text with every object or array nested deeper than `maxDepth` replaced by "[Object]" or
 * "[Array]"; the same string when nothing was that deep. One pass over the text, no recursion and no
 * parse, so any depth is safe. Malformed text comes back unchanged (the parse after it refuses it).
 */
export function boundJsonDepth(text: string, maxDepth = MAX_EVENT_DEPTH): string {
  let depth = 0;
  let parts: string[] | null = null;
  let copiedUpTo = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) i = stringEnd(text, i);
    else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) depth--;
    else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth <= maxDepth) continue;
      const end = closingIndex(text, i);
      if (end < 0) return text;
      parts ??= [];
      parts.push(text.slice(copiedUpTo, i), c === OPEN_OBJECT ? '"[Object]"' : '"[Array]"');
      copiedUpTo = end + 1;
      i = end;
      depth--;
    }
  }
  if (parts === null) return text;
  parts.push(text.slice(copiedUpTo));
  return parts.join("");
}

/** Index of the bracket closing the one at `start`, or -1 when the text ends first. */
function closingIndex(text: string, start: number): number {
  let nested = 0;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) i = stringEnd(text, i);
    else if (c === OPEN_OBJECT || c === OPEN_ARRAY) nested++;
    else if ((c === CLOSE_OBJECT || c === CLOSE_ARRAY) && --nested === 0) return i;
  }
  return -1;
}

/**
 * Index of the quote closing the JSON string that opens at `start`, or the length when the input ends
 * first. Text or UTF-8 bytes alike: a quote or backslash is never part of a multi-byte character.
 */
export function stringEnd(json: string | Uint8Array, start: number): number {
  for (let i = start + 1; i < json.length; i++) {
    const c = typeof json === "string" ? json.charCodeAt(i) : json[i];
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i;
  }
  return json.length;
}
