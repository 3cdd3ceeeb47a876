import { normalizeId } from "../span.ts";

const TRACE_KEY = Buffer.from('"trace":');
const decoder = new TextDecoder();

/**
 * The trace an error event happened in: `contexts.trace.trace_id` (and its `span_id`). Found
 * without parsing the event (it runs on the ingest path for every error event, which the errors
 * writer parses elsewhere): a native byte search for the `"trace":` key, then the ids within the
 * next few hundred bytes. A miss only loses the link, never the event.
 */
export function traceOfEvent(payload: Uint8Array): { traceId: string; spanId: string | null } | null {
  const bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  let at = bytes.indexOf(TRACE_KEY);
  while (at !== -1) {
    const window = decoder.decode(bytes.subarray(at, at + 600));
    const object = window.slice(0, window.indexOf("}") + 1 || undefined);
    const traceId = normalizeId(/"trace_id"\s*:\s*"([0-9a-fA-F-]{32,36})"/.exec(object)?.[1], 32);
    if (traceId) {
      return { traceId, spanId: normalizeId(/"span_id"\s*:\s*"([0-9a-fA-F]{16})"/.exec(object)?.[1], 16) };
    }
    at = bytes.indexOf(TRACE_KEY, at + TRACE_KEY.length);
  }
  return null;
}
