import type { IngestRecord } from "../ingest/records.ts";

/** Three visitors on /live a minute before `now`, for realtime checks. */
export function liveEvents(site: string, now: number): IngestRecord[] {
  return [0, 1, 2].map((i) => ({
    kind: "event",
    event: {
      site,
      ts: now - 60_000 + i,
      session: 900_000 + i,
      visitor: 900_000 + i,
      name: "pageview",
      path: "/live",
      props: null,
      facts: {
        source: "Direct / None",
        referrer: "",
        channel: "Direct",
        utmSource: null,
        utmMedium: null,
        utmCampaign: null,
        browser: "Chrome",
        os: "Linux",
        device: "desktop",
        country: null,
      },
    },
  }));
}
