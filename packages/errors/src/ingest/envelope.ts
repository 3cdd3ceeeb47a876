import { z } from "zod";
import { MalformedPayloadError } from "./errors.ts";

const envelopeHeaderSchema = z.looseObject({
  event_id: z.string().optional().catch(undefined),
  dsn: z.string().optional().catch(undefined),
});
const itemHeaderSchema = z.looseObject({
  // Sentry's types are short words; a header naming a 100 KB type is not an envelope item.
  type: z.string().min(1).max(64),
  length: z.number().int().nonnegative().optional(),
});

export type EnvelopeHeader = z.infer<typeof envelopeHeaderSchema>;
export interface EnvelopeItem {
  type: string;
  payload: Uint8Array;
}
export interface Envelope {
  header: EnvelopeHeader;
  items: EnvelopeItem[];
}

const NEWLINE = 10;
const MAX_ITEMS = 100;
const decoder = new TextDecoder();

function parseJsonLine(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(decoder.decode(bytes));
  } catch {
    throw new MalformedPayloadError(`The envelope's ${what} is not valid JSON.`);
  }
}

/**
 * Sentry's envelope format: a JSON header line, then items, each a JSON header line and a payload
 * that is either `length` bytes long or runs to the next newline. Lengths count bytes, so the parse
 * runs over bytes, never over a decoded string.
 */
export function parseEnvelope(body: Uint8Array): Envelope {
  let end = body.indexOf(NEWLINE);
  if (end === -1) end = body.length;
  const header = envelopeHeaderSchema.safeParse(parseJsonLine(body.subarray(0, end), "header"));
  if (!header.success) throw new MalformedPayloadError("The envelope header must be a JSON object.");
  const items: EnvelopeItem[] = [];
  let pos = end + 1;
  while (pos < body.length) {
    let lineEnd = body.indexOf(NEWLINE, pos);
    if (lineEnd === -1) lineEnd = body.length;
    if (lineEnd === pos) {
      pos++; // tolerate blank lines between items (some SDKs end with two newlines)
      continue;
    }
    const parsed = itemHeaderSchema.safeParse(parseJsonLine(body.subarray(pos, lineEnd), "item header"));
    if (!parsed.success) {
      throw new MalformedPayloadError(
        'Every envelope item header needs a "type" and an optional byte "length".',
      );
    }
    const start = Math.min(lineEnd + 1, body.length);
    let payloadEnd: number;
    if (parsed.data.length !== undefined) {
      payloadEnd = start + parsed.data.length;
      if (payloadEnd > body.length) {
        throw new MalformedPayloadError(
          `An envelope item declares ${parsed.data.length} bytes but the body ends early.`,
        );
      }
    } else {
      payloadEnd = body.indexOf(NEWLINE, start);
      if (payloadEnd === -1) payloadEnd = body.length;
    }
    items.push({ type: parsed.data.type, payload: body.subarray(start, payloadEnd) });
    if (items.length > MAX_ITEMS)
      throw new MalformedPayloadError(`An envelope may hold at most ${MAX_ITEMS} items.`);
    pos = payloadEnd + 1;
  }
  return { header: header.data, items };
}

export function parseItemJson(item: EnvelopeItem): unknown {
  return parseJsonLine(item.payload, `"${item.type}" item`);
}
