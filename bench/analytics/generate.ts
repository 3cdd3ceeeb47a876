import type { IngestRecord, SessionFacts, SqliteAnalyticsStore } from "@pier/analytics";
import { seededRandom } from "@pier/testkit";

const DAY = 86_400_000;
const MINUTE = 60_000;

/** Element i of a non-empty list (the index is always in range here; the type system cannot tell). */
function pick<T>(list: readonly T[], i: number): T {
  return list[Math.min(list.length - 1, Math.max(0, i))] as T;
}

const paths = Array.from({ length: 60 }, (_, i) => (i === 0 ? "/" : `/page-${i}`));
const sources: [string, string, string][] = [
  ["Direct / None", "", "Direct"],
  ["Google", "google.com", "Organic Search"],
  ["Twitter", "t.co", "Social"],
  ["Hacker News", "news.ycombinator.com", "Social"],
  ["GitHub", "github.com", "Referral"],
  ["blog.example.org", "blog.example.org", "Referral"],
];
const countries = ["US", "DE", "FR", "GB", "IN", "BR", "JP", "CA", "NL", null];
const browsers = ["Chrome", "Safari", "Firefox", "Edge", "Samsung Internet"];
const systems = ["Windows", "macOS", "iOS", "Android", "Linux"];
const devices = ["desktop", "mobile", "tablet"];

export interface GenerateResult {
  events: number;
  visits: number;
  vitals: number;
  ms: number;
}

/**
 * Loads `total` events over `days` whole UTC days ending yesterday into the store, one day at a time
 * in time order, through the store's own synchronous write path (one transaction per 50,000 rows). Visits have 1-10 events
 * (mean ~3), a skewed page popularity, and ids that rotate per day as the real visitor ids do.
 * Bounded: throws if loading takes longer than `maxMs`.
 */
export function generateEvents(
  store: SqliteAnalyticsStore,
  site: string,
  total: number,
  days: number,
  maxMs: number,
): GenerateResult {
  const started = performance.now();
  const rand = seededRandom(42);
  const today = Math.floor(Date.now() / DAY) * DAY;
  const firstDay = today - days * DAY;
  const perDay = Math.ceil(total / days);
  let events = 0;
  let visits = 0;
  let vitals = 0;
  let batch: IngestRecord[] = [];
  for (let d = 0; d < days && events < total; d++) {
    const dayStart = firstDay + d * DAY;
    let dayEvents = 0;
    let visitor = 0;
    while (dayEvents < perDay && events < total) {
      visitor++;
      const visitsOfVisitor = rand() < 0.15 ? 2 : 1;
      for (let k = 0; k < visitsOfVisitor; k++) {
        visits++;
        const session = d * 100_000_000 + visits;
        const start = dayStart + Math.floor(rand() * (DAY - 3 * 60 * MINUTE));
        const r = rand();
        const length = r < 0.4 ? 1 : r < 0.6 ? 2 : r < 0.75 ? 3 : 4 + Math.floor(rand() * 7);
        const source = pick(sources, Math.floor(rand() ** 2 * sources.length));
        const facts: SessionFacts = {
          source: source[0],
          referrer: source[1],
          channel: source[2],
          utmSource: null,
          utmMedium: null,
          utmCampaign: rand() < 0.05 ? "spring-launch" : null,
          browser: pick(browsers, Math.floor(rand() ** 1.5 * browsers.length)),
          os: pick(systems, Math.floor(rand() * systems.length)),
          device: pick(devices, Math.floor(rand() ** 2 * devices.length)),
          country: pick(countries, Math.floor(rand() ** 1.5 * countries.length)),
        };
        let ts = start;
        for (let e = 0; e < length; e++) {
          const custom = e > 0 && rand() < 0.08;
          const path = pick(paths, Math.floor(rand() ** 3 * paths.length));
          batch.push({
            kind: "event",
            event: {
              site,
              ts,
              session,
              visitor: d * 10_000_000 + visitor,
              name: custom ? "signup" : "pageview",
              path,
              props: custom ? (rand() < 0.5 ? '{"plan":"pro"}' : '{"plan":"free"}') : null,
              facts,
            },
          });
          if (!custom && rand() < 0.3) {
            vitals++;
            batch.push({
              kind: "vitals",
              vitals: {
                site,
                ts,
                path,
                lcp: Math.round(800 + rand() ** 2 * 4000),
                cls: Math.round(rand() ** 3 * 300) / 1000,
                inp: Math.round(40 + rand() ** 2 * 400),
                ttfb: Math.round(50 + rand() ** 2 * 600),
              },
            });
          }
          ts += Math.floor(10_000 + rand() * 120_000);
          events++;
          dayEvents++;
        }
      }
    }
    // Live ingest writes in time order; loading a day sorted keeps index and table pages in step.
    batch.sort((a, b) => timeOf(a) - timeOf(b));
    for (let i = 0; i < batch.length; i += 50_000) store.writeSync(batch.slice(i, i + 50_000));
    batch = [];
    if (performance.now() - started > maxMs)
      throw new Error(`loading took longer than ${maxMs} ms after ${events} events; aborting`);
  }
  return { events, visits, vitals, ms: performance.now() - started };
}

function timeOf(r: IngestRecord): number {
  return r.kind === "event" ? r.event.ts : r.vitals.ts;
}
