import { countryFromHeaders, MAX_EVENT_BYTES, type RawBeacon } from "@pier/proxy/edge";
import { isBot } from "../ingest/user-agent.ts";
import { readLimited } from "./read-limited.ts";

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
  if (request.method !== "POST") return { beacon: null, response: new Response(null, { status: 405 }) };
  if (Number(request.headers.get("content-length") ?? 0) > MAX_EVENT_BYTES) {
    return { beacon: null, response: new Response(null, { status: 413 }) };
  }
  const userAgent = request.headers.get("user-agent") ?? "";
  let body: string;
  try {
    body = await readLimited(request, MAX_EVENT_BYTES);
  } catch {
    return { beacon: null, response: new Response(null, { status: 413 }) };
  }
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
