import type { IngestRecord, SessionFacts } from "../ingest/records.ts";

const DAY = 86_400_000;
const MINUTE = 60_000;

/**
 * A small data set whose answers are worked out by hand (see the expectations in the store tests):
 * 3 days x 100 visitors, 20 of them with a second visit; four visit shapes in equal numbers.
 *   shape 0: "/"                                  (a bounce)
 *   shape 1: "/" -> "/pricing" (+60 s)
 *   shape 2: "/" -> "/pricing" (+60 s) -> signup {plan: pro} (+30 s)
 *   shape 3: "/pricing" -> "/" (+60 s)
 * Vitals: LCP 1..100 ms once per visitor index per day (300 samples).
 */
export function knownDataset(site: string, firstDay: number): IngestRecord[] {
  const out: IngestRecord[] = [];
  for (let d = 0; d < 3; d++) {
    const dayStart = firstDay + d * DAY;
    for (let i = 0; i < 100; i++) {
      const visitor = d * 1000 + i;
      const visits = i >= 80 ? 2 : 1;
      for (let k = 0; k < visits; k++) {
        const session = d * 10_000 + i * 2 + k;
        const start = dayStart + i * 10 * MINUTE + k * 120 * MINUTE;
        const facts: SessionFacts = {
          source: i % 5 === 0 ? "Google" : "Direct / None",
          referrer: i % 5 === 0 ? "google.com" : "",
          channel: i % 5 === 0 ? "Organic Search" : "Direct",
          utmSource: null,
          utmMedium: null,
          utmCampaign: i % 10 === 1 ? "launch" : null,
          browser: i % 2 === 0 ? "Chrome" : "Firefox",
          os: "Linux",
          device: "desktop",
          country: i < 50 ? "DE" : null,
        };
        const ev = (
          offset: number,
          name: string,
          path: string,
          props: string | null = null,
        ): IngestRecord => ({
          kind: "event",
          event: { site, ts: start + offset, session, visitor, name, path, props, facts },
        });
        const shape = i % 4;
        if (shape === 0) out.push(ev(0, "pageview", "/"));
        if (shape === 1) out.push(ev(0, "pageview", "/"), ev(MINUTE, "pageview", "/pricing"));
        if (shape === 2)
          out.push(
            ev(0, "pageview", "/"),
            ev(MINUTE, "pageview", "/pricing"),
            ev(MINUTE + 30_000, "signup", "/pricing", JSON.stringify({ plan: "pro" })),
          );
        if (shape === 3) out.push(ev(0, "pageview", "/pricing"), ev(MINUTE, "pageview", "/"));
      }
      out.push({
        kind: "vitals",
        vitals: { site, ts: dayStart + i * 10 * MINUTE, path: "/", lcp: i + 1, cls: 0, inp: null, ttfb: 100 },
      });
    }
  }
  return out.sort((a, b) => ts(a) - ts(b));
}

function ts(r: IngestRecord): number {
  return r.kind === "event" ? r.event.ts : r.vitals.ts;
}
