import type * as EventPayload from "./event-payload.ts";
import { InvalidEventError, MAX_EVENT_BYTES } from "./invalid-event.ts";
import type { RawBeacon } from "./raw-beacon.ts";

// The beacon schema (and zod with it) loads with the first beacon a worker checks, not with the
// worker: most proxies never see one (proxy-defaults.ts says what that saves).
const eventPayload = (): typeof EventPayload => require("./event-payload.ts");

export const EVENT_PATH = "/_pier/event";

/** What to answer a beacon with, and the record to hand to `Analytics.ingestRaw` (null: refused). */
export type BeaconVerdict =
  | { status: 202; beacon: RawBeacon }
  | { status: 400 | 413; beacon: null; code: string; message: string };

/**
 * Checks a beacon body the way the console's ingest does (size limit, strict schema) without
 * enriching it, so a proxy worker can answer 202/400/413 itself and batch the raw records to the
 * main thread. Bots get a 202 and their record too: `Analytics.ingest` drops them there and counts
 * them in its `bots` statistic, as on the console path.
 */
export function acceptBeacon(beacon: RawBeacon): BeaconVerdict {
  try {
    if (Buffer.byteLength(beacon.body) > MAX_EVENT_BYTES)
      throw new InvalidEventError(`body larger than ${MAX_EVENT_BYTES} bytes`, 413);
    if (!beacon.site) throw new InvalidEventError("no site: send beacons through an app host");
    eventPayload().parseEventPayload(beacon.body);
  } catch (error) {
    if (!(error instanceof InvalidEventError)) throw error;
    return {
      status: error.status === 413 ? 413 : 400,
      beacon: null,
      code: error.code,
      message: error.message,
    };
  }
  return { status: 202, beacon };
}
