import { stringEnd } from "../process/bound-depth.ts";

const EVENT_ID = /^[0-9a-f]{32}$/;

/** The first candidate that is an event id (32 hex, dashes allowed as in a UUID), or a new one. */
export function eventIdOf(...candidates: unknown[]): string {
  for (const candidate of candidates) {
    if (typeof candidate !== "string") continue;
    const id = candidate.replaceAll("-", "").toLowerCase();
    if (EVENT_ID.test(id)) return id;
  }
  return crypto.randomUUID().replaceAll("-", "");
}

const QUOTE = 0x22;
const KEY = new TextEncoder().encode('"event_id"');
const textDecoder = new TextDecoder();

/**
 * The top-level `event_id` string of an event payload, read without parsing it: the request path
 * hands unparsed events to the writer thread but must answer with, and deduplicate on, the id the
 * SDK chose. SDKs write it first, so the scan usually stops after a few bytes.
 */
export function payloadEventId(bytes: Uint8Array): string | undefined {
  let depth = 0;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c === QUOTE) {
      if (depth === 1 && startsWith(bytes, i, KEY)) {
        let j = skipSpace(bytes, i + KEY.length);
        if (bytes[j] !== 0x3a) return undefined; // a string value "event_id", not the key
        j = skipSpace(bytes, j + 1);
        if (bytes[j] !== QUOTE) return undefined;
        const end = bytes.indexOf(QUOTE, j + 1);
        // A UUID with dashes is 36 characters; anything longer is not an id.
        if (end < 0 || end - j - 1 > 36) return undefined;
        return textDecoder.decode(bytes.subarray(j + 1, end));
      }
      i = stringEnd(bytes, i);
    } else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return undefined;
}

function startsWith(bytes: Uint8Array, at: number, prefix: Uint8Array): boolean {
  if (at + prefix.length > bytes.length) return false;
  for (let k = 0; k < prefix.length; k++) if (bytes[at + k] !== prefix[k]) return false;
  return true;
}

function skipSpace(bytes: Uint8Array, at: number): number {
  while (
    at < bytes.length &&
    (bytes[at] === 0x20 || bytes[at] === 0x0a || bytes[at] === 0x0d || bytes[at] === 0x09)
  )
    at++;
  return at;
}
