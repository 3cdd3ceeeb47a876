import type { Server } from "bun";
import { Hono } from "hono";
import { countryFromHeaders } from "../ingest/enrich.ts";
import { InvalidEventError, MAX_EVENT_BYTES } from "../ingest/payload.ts";
import type { Analytics } from "../service.ts";
import type { SiteSettingsStore } from "../settings/settings-store.ts";
import { trackerScript } from "../tracker/tracker.ts";

/** Which site a browser request belongs to: the proxy's app id, else the original host. */
export function siteOf(headers: Headers): { site: string; host: string } {
  const host = (headers.get("x-pier-host") ?? headers.get("host") ?? "").toLowerCase().replace(/:\d+$/, "");
  return { site: headers.get("x-pier-app") || host, host };
}

/**
 * Browser-facing endpoints, reached through the proxy at /_pier/* of every app host. No auth: any
 * page may send beacons; abuse is bounded by the body limit, validation and the bounded queue.
 */
export function ingestRoutes(analytics: Analytics, settings: SiteSettingsStore) {
  const app = new Hono();

  app.get("/script.js", (c) => {
    const { site } = siteOf(c.req.raw.headers);
    return c.body(trackerScript(settings.get(site)), 200, {
      "content-type": "application/javascript; charset=utf-8",
      "cache-control": "public, max-age=300",
      "x-content-type-options": "nosniff",
    });
  });

  app.post("/event", async (c) => {
    const headers = c.req.raw.headers;
    const declared = Number(headers.get("content-length") ?? 0);
    if (declared > MAX_EVENT_BYTES)
      throw new InvalidEventError(`body larger than ${MAX_EVENT_BYTES} bytes`, 413);
    const body = await readLimited(c.req.raw, MAX_EVENT_BYTES);
    const { site, host } = siteOf(headers);
    if (!site) throw new InvalidEventError("no site: send beacons through an app host");
    const forwarded = headers.get("x-forwarded-for");
    const clientIp =
      forwarded?.split(",")[0]?.trim() ||
      (c.env as Server<unknown> | undefined)?.requestIP?.(c.req.raw)?.address ||
      "";
    analytics.ingest(body, {
      site,
      host,
      clientIp,
      userAgent: headers.get("user-agent") ?? "",
      country: countryFromHeaders(headers),
    });
    // 202 for bots too: telling them apart would only help them adapt.
    return c.body(null, 202);
  });

  return app;
}

async function readLimited(request: Request, limit: number): Promise<string> {
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new InvalidEventError(`body larger than ${limit} bytes`, 413);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
