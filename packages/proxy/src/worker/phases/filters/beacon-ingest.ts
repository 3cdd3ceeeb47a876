import { acceptBeacon, EVENT_PATH } from "../../../shared/edge/accept-beacon.ts";
import { countryFromHeaders } from "../../../shared/edge/country-header.ts";
import { MAX_EVENT_BYTES } from "../../../shared/edge/invalid-event.ts";
import type { RawBeacon } from "../../../shared/edge/raw-beacon.ts";
import type { LocalResponse } from "../../pages.ts";
import type { ProxySession } from "../session.ts";

/**
 * Analytics beacons answered by the worker itself (`POST /_pier/event` on a routed host): the body
 * is checked like on the console (size, schema, bots) and the raw record goes to the main thread
 * in a batch, instead of a second HTTP hop per beacon to the console port.
 */

/**
 * Takes `POST /_pier/event` when the main thread collects beacons: a declared body over the limit
 * is refused at once, any other is read by the front, which then calls answerBeacon. Without a
 * collector the request goes on to the console like every other /_pier/ path.
 */
export function takeBeacon(s: ProxySession): boolean {
  const h = s.request;
  if (s.state.beacon === null || !isBeaconRequest(h.method, h.target, h.chunked)) return false;
  return startBeacon(s, h.contentLength);
}

function startBeacon(s: ProxySession, contentLength: number): boolean {
  if (contentLength > MAX_EVENT_BYTES) s.respond(beaconTooLarge(), true, true);
  else s.readBeacon(contentLength);
  return true;
}

/** Only headers the beacon record needs are looked up in the kept header lines. */
const BEACON_HEADERS = ["user-agent", "cf-ipcountry", "x-vercel-ip-country", "x-country-code"] as const;

export function isBeaconRequest(method: string, target: string, chunked: boolean): boolean {
  // Chunked beacons (no browser sends them) keep going to the console, which streams the limit.
  if (method !== "POST" || chunked || !target.startsWith(EVENT_PATH)) return false;
  return target.length === EVENT_PATH.length || target.charCodeAt(EVENT_PATH.length) === 63; /* ? */
}

/** The named headers out of `RequestHead.kept` ("Name: value\r\n" lines), values trimmed. */
export function pickHeaders(kept: string, names: readonly string[]): Headers {
  const headers = new Headers();
  const lower = `\r\n${kept.toLowerCase()}`;
  for (const name of names) {
    const at = lower.indexOf(`\r\n${name}:`);
    if (at === -1) continue;
    const start = at + name.length + 1; // index in `kept` just after the colon
    const end = kept.indexOf("\r\n", start);
    headers.set(name, kept.slice(start, end === -1 ? kept.length : end).trim());
  }
  return headers;
}

/** Checks one beacon, hands an accepted one to `sink`, and says what to answer. */
export function answerBeacon(
  body: string,
  kept: string,
  host: string,
  appId: string | null,
  clientIp: string,
  sink: (beacon: RawBeacon) => void,
): LocalResponse {
  const headers = pickHeaders(kept, BEACON_HEADERS);
  const verdict = acceptBeacon({
    body,
    site: appId || host,
    host,
    clientIp,
    userAgent: headers.get("user-agent") ?? "",
    country: countryFromHeaders(headers),
  });
  if (verdict.status === 202) {
    sink(verdict.beacon);
    return { status: 202, headers: "", body: "" };
  }
  return errorAnswer(verdict.status, verdict.code, verdict.message);
}

/** A declared Content-Length over the limit: refused before reading the body. */
export function beaconTooLarge(): LocalResponse {
  return errorAnswer(
    413,
    "invalid_event",
    `Analytics event rejected: body larger than ${MAX_EVENT_BYTES} bytes`,
  );
}

function errorAnswer(status: number, code: string, message: string): LocalResponse {
  return {
    status,
    headers: "content-type: application/json\r\ncache-control: no-store\r\n",
    body: JSON.stringify({ error: { code, message } }),
  };
}
