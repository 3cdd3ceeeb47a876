/**
 * A beacon as read off the wire, before enrichment: small and structured-clone friendly, so a
 * proxy worker can answer `POST /_pier/event` itself and post these to the main thread in batches
 * (analytics' `ingestRaw`) instead of forwarding every beacon over HTTP to the console port.
 */
export interface RawBeacon {
  body: string;
  site: string;
  host: string;
  clientIp: string;
  userAgent: string;
  country: string | null;
}
