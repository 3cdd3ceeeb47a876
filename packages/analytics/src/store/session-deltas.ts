import { type EventRecord, PAGEVIEW, type SessionFacts } from "../ingest/records.ts";

/** What one batch adds to a visit; merged into the stored visit with an upsert. */
export interface SessionDelta {
  site: string;
  id: number;
  visitor: number;
  started: number;
  ended: number;
  pageviews: number;
  events: number;
  /** First / last pageview path in this batch, "" when the batch has none. */
  entry: string;
  exit: string;
  facts: SessionFacts;
}

export function sessionDeltas(events: EventRecord[]): SessionDelta[] {
  const byKey = new Map<string, SessionDelta>();
  for (const e of events) {
    const key = `${e.site}\n${e.session}`;
    let d = byKey.get(key);
    if (d === undefined) {
      d = {
        site: e.site,
        id: e.session,
        visitor: e.visitor,
        started: e.ts,
        ended: e.ts,
        pageviews: 0,
        events: 0,
        entry: "",
        exit: "",
        facts: e.facts,
      };
      byKey.set(key, d);
    }
    d.events++;
    if (e.ts < d.started) d.started = e.ts;
    if (e.ts > d.ended) d.ended = e.ts;
    if (e.name === PAGEVIEW) {
      d.pageviews++;
      if (d.entry === "") d.entry = e.path;
      d.exit = e.path;
    }
  }
  return [...byKey.values()];
}
