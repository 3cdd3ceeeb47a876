import { type EventPayload, parseEventPayload } from "@pier/proxy/edge";
import { type IngestRecord, PAGEVIEW, VITALS } from "./records.ts";
import { classifySource, readUtm } from "./referrer.ts";
import type { SessionTracker } from "./sessions.ts";
import { isBot, parseUserAgent } from "./user-agent.ts";
import { type SaltRing, visitorId } from "./visitor.ts";

/** What the HTTP edge knows about one beacon. */
export interface BeaconContext {
  /** App id when the proxy knows it, else the host: the key every query uses. */
  site: string;
  host: string;
  clientIp: string;
  userAgent: string;
  country: string | null;
  now: number;
}

export type EnrichResult = { accepted: true; record: IngestRecord } | { accepted: false; reason: "bot" };

const MAX_PATH = 500;

/**
 * Turns a raw beacon into a record: drops bots, derives the anonymous visitor id, assigns the visit
 * and fixes its source, UTM tags, browser, OS, device and country when it starts.
 */
export function enrichBeacon(
  body: string,
  context: BeaconContext,
  salts: SaltRing,
  sessions: SessionTracker,
): EnrichResult {
  const payload = parseEventPayload(body);
  if (isBot(context.userAgent)) return { accepted: false, reason: "bot" };
  const page = pageUrl(payload, context.host);
  const path = (page.pathname || "/").slice(0, MAX_PATH);
  if (payload.n === VITALS) {
    const v = payload.v ?? {};
    return {
      accepted: true,
      record: {
        kind: "vitals",
        vitals: {
          site: context.site,
          ts: context.now,
          path,
          lcp: v.lcp ?? null,
          cls: v.cls ?? null,
          inp: v.inp ?? null,
          ttfb: v.ttfb ?? null,
        },
      },
    };
  }
  const visitor = visitorId(salts.saltFor(context.now), context.site, context.clientIp, context.userAgent);
  const { session, facts } = sessions.assign(context.site, visitor, context.now, () => {
    const utm = readUtm(page);
    const source = classifySource(payload.r ?? "", context.host, utm);
    const agent = parseUserAgent(context.userAgent);
    return { ...source, ...utm, ...agent, country: context.country };
  });
  const name = payload.n === PAGEVIEW ? PAGEVIEW : payload.n;
  return {
    accepted: true,
    record: {
      kind: "event",
      event: {
        site: context.site,
        ts: context.now,
        session,
        visitor,
        name,
        path,
        props: payload.p && Object.keys(payload.p).length > 0 ? JSON.stringify(payload.p) : null,
        facts,
      },
    },
  };
}

function pageUrl(payload: EventPayload, host: string): URL {
  try {
    return new URL(payload.u);
  } catch {
    return new URL(payload.u.startsWith("/") ? payload.u : "/", `http://${host || "localhost"}`);
  }
}
