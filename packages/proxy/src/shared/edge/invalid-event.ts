import { PierError } from "@pier/core";

// Apart from the schema (event-payload.ts) so that a proxy worker that has not seen a beacon yet
// has not loaded zod (accept-beacon.ts).

/** Bodies larger than this are refused before parsing: the tracker never sends more than ~1 KB. */
export const MAX_EVENT_BYTES = 8 * 1024;

export class InvalidEventError extends PierError {
  constructor(message: string, status = 400) {
    super("invalid_event", `Analytics event rejected: ${message}`, status);
  }
}
