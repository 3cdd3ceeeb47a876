/** Attributes fixed when a visit starts and shared by all its events. */
export interface SessionFacts {
  source: string;
  referrer: string;
  channel: string;
  utmSource: string | null;
  utmMedium: string | null;
  utmCampaign: string | null;
  browser: string;
  os: string;
  device: string;
  country: string | null;
}

/** A pageview or custom event after enrichment, as the stores write it. */
export interface EventRecord {
  site: string;
  ts: number;
  session: number;
  visitor: number;
  name: string;
  path: string;
  /** JSON object of custom props, or null. */
  props: string | null;
  facts: SessionFacts;
}

/** One page load's Web Vitals; measurements, so they never extend or start a visit. */
export interface VitalsRecord {
  site: string;
  ts: number;
  path: string;
  lcp: number | null;
  cls: number | null;
  inp: number | null;
  ttfb: number | null;
}

export type IngestRecord = { kind: "event"; event: EventRecord } | { kind: "vitals"; vitals: VitalsRecord };

export const PAGEVIEW = "pageview";
export const VITALS = "vitals";
