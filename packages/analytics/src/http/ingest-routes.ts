import { brotliCompressSync } from "node:zlib";
import { PierError } from "@pier/core";
import type { OriginOf, RequestOrigin } from "@pier/http";
import { countryFromHeaders, EVENT_PATH, InvalidEventError, MAX_EVENT_BYTES } from "@pier/proxy/edge";
import type { Server } from "bun";
import { IngestRefusedError } from "../ingest/ingest-refused.ts";
import type { Analytics } from "../service.ts";
import type { SiteSettingsStore } from "../settings/settings-store.ts";
import { trackerScript } from "../tracker/tracker.ts";
import { readLimited } from "./read-limited.ts";

export const SCRIPT_PATH = "/_pier/script.js";
export { EVENT_PATH };

/**
 * Which site a browser request belongs to: the app id the proxy resolved, else the host it was
 * sent to. Only pier's own proxy workers may say so (`viaEdge`: they prove it with the edge secret
 * and drop any X-Pier-* a client sent): a request straight to the console port belongs to no site,
 * so nobody can write events for an app by naming it.
 */
export function siteOf(headers: Headers, viaEdge: boolean): { site: string; host: string } {
  if (!viaEdge) return { site: "", host: "" };
  const host = (headers.get("x-pier-host") ?? headers.get("host") ?? "").toLowerCase().replace(/:\d+$/, "");
  return { site: headers.get("x-pier-app") || host, host };
}

/**
 * Browser-facing endpoints, reached through the proxy at /_pier/* of every app host. A raw handler
 * rather than Hono routes: beacons arrive at tens of thousands per second and must skip the API's
 * per-request log line and auth middleware. No auth: any page may send beacons; abuse is bounded by
 * the body limit, validation and the bounded write queue.
 */
export function beaconHandler(analytics: Analytics, settings: SiteSettingsStore, originOf: OriginOf) {
  return async (request: Request, server: Server<unknown>): Promise<Response | null> => {
    const path = pathOf(request.url);
    if (path === EVENT_PATH) {
      if (request.method !== "POST") return new Response(null, { status: 405, headers: { allow: "POST" } });
      try {
        await ingest(analytics, request, originOf(request, server));
        // 202 for bots too: telling them apart would only help them adapt.
        return new Response(null, { status: 202 });
      } catch (error) {
        // A refused beacon (full queue or full storage) says when to try again.
        if (error instanceof IngestRefusedError) return error.response();
        if (!(error instanceof PierError)) throw error;
        return Response.json(
          { error: { code: error.code, message: error.message } },
          { status: error.status },
        );
      }
    }
    if (path === SCRIPT_PATH && (request.method === "GET" || request.method === "HEAD")) {
      const { site } = siteOf(request.headers, originOf(request, server).viaEdge);
      const script = compressedTracker(
        trackerScript(settings.get(site)),
        request.headers.get("accept-encoding"),
      );
      return new Response(request.method === "HEAD" ? null : script.body, {
        headers: {
          "content-type": "application/javascript; charset=utf-8",
          "cache-control": "public, max-age=300",
          "x-content-type-options": "nosniff",
          vary: "Accept-Encoding",
          ...(script.encoding ? { "content-encoding": script.encoding } : {}),
        },
      });
    }
    return null;
  };
}

/** Two variants of the tracker exist (Do-Not-Track on or off): each is compressed once. */
const compressedScripts = new Map<string, { br: Uint8Array<ArrayBuffer>; gzip: Uint8Array<ArrayBuffer> }>();

/** The tracker in the encoding the browser takes best (it is fetched on every first page view). */
export function compressedTracker(
  script: string,
  acceptEncoding: string | null,
): { body: Uint8Array<ArrayBuffer> | string; encoding: "br" | "gzip" | null } {
  let variants = compressedScripts.get(script);
  if (!variants) {
    const bytes = Buffer.from(script);
    variants = { br: new Uint8Array(brotliCompressSync(bytes)), gzip: Bun.gzipSync(bytes) };
    compressedScripts.set(script, variants);
  }
  const accepted = acceptEncoding ?? "";
  if (/\bbr\b/.test(accepted)) return { body: variants.br, encoding: "br" };
  if (/\bgzip\b/.test(accepted)) return { body: variants.gzip, encoding: "gzip" };
  return { body: script, encoding: null };
}

async function ingest(analytics: Analytics, request: Request, origin: RequestOrigin): Promise<void> {
  const headers = request.headers;
  const declared = Number(headers.get("content-length") ?? 0);
  if (declared > MAX_EVENT_BYTES)
    throw new InvalidEventError(`body larger than ${MAX_EVENT_BYTES} bytes`, 413);
  const body = await readLimited(request, MAX_EVENT_BYTES);
  const { site, host } = siteOf(headers, origin.viaEdge);
  if (!site) throw new InvalidEventError("no site: send beacons through an app host");
  analytics.ingest(body, {
    site,
    host,
    clientIp: origin.address,
    userAgent: headers.get("user-agent") ?? "",
    country: countryFromHeaders(headers),
  });
}

function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start === -1) return "/";
  const query = url.indexOf("?", start);
  return query === -1 ? url.slice(start) : url.slice(start, query);
}
