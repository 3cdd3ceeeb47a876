import { countryFromHeaders } from "../ingest/enrich.ts";
import { MAX_EVENT_BYTES } from "../ingest/payload.ts";
import { isBot } from "../ingest/user-agent.ts";

/**
 * A beacon as read off the wire, before enrichment: small and structured-clone friendly, so a
 * proxy worker can answer `POST /_pier/event` itself and post these to the main thread in batches
 * (`Analytics.ingestRaw`) instead of forwarding every beacon over HTTP to the console port.
 */
export interface RawBeacon {
  body: string;
  site: string;
  host: string;
  clientIp: string;
  userAgent: string;
  country: string | null;
}

export type ReadBeaconResult = { beacon: RawBeacon | null; response: Response };

const accepted = () => new Response(null, { status: 202 });

/**
 * The worker-side half of ingest: size limit and bot filter (pure, cheap), then 202 at once.
 * Validation and enrichment stay on the main thread, where the salts and open visits live.
 * `appId` and `host` are what the proxy's route table says about the request.
 */
export async function readBeacon(
  request: Request,
  clientIp: string,
  host: string,
  appId: string | null,
): Promise<ReadBeaconResult> {
  const declared = Number(request.headers.get("content-length") ?? -1);
  if (request.method !== "POST") return { beacon: null, response: new Response(null, { status: 405 }) };
  if (declared < 0 || declared > MAX_EVENT_BYTES) {
    return { beacon: null, response: new Response(null, { status: declared < 0 ? 411 : 413 }) };
  }
  const userAgent = request.headers.get("user-agent") ?? "";
  const body = await request.text();
  if (isBot(userAgent)) return { beacon: null, response: accepted() };
  return {
    beacon: {
      body,
      site: appId || host,
      host,
      clientIp,
      userAgent,
      country: countryFromHeaders(request.headers),
    },
    response: accepted(),
  };
}
