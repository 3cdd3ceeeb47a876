import { describe, expect, test } from "bun:test";
import { InvalidEventError, MAX_EVENT_BYTES, parseEventPayload } from "@pier/proxy/edge";
import { enrichBeacon } from "./enrich.ts";
import type { IngestRecord } from "./records.ts";
import { classifySource } from "./referrer.ts";
import { SessionTracker } from "./sessions.ts";
import { isBot, parseUserAgent } from "./user-agent.ts";
import { memorySaltStorage, SaltRing, visitorId } from "./visitor.ts";
import { WriteQueue } from "./write-queue.ts";

const chromeLinux =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const safariIphone =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";
const edgeWindows =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0";

describe("user agents", () => {
  test("browser, OS and device", () => {
    expect(parseUserAgent(chromeLinux)).toEqual({ browser: "Chrome", os: "Linux", device: "desktop" });
    expect(parseUserAgent(safariIphone)).toEqual({ browser: "Safari", os: "iOS", device: "mobile" });
    expect(parseUserAgent(edgeWindows)).toEqual({ browser: "Edge", os: "Windows", device: "desktop" });
  });
  test("bots, headless browsers and HTTP libraries are filtered", () => {
    for (const ua of [
      "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36",
      "curl/8.5.0",
      "python-requests/2.31",
      "",
    ])
      expect(isBot(ua)).toBe(true);
    for (const ua of [chromeLinux, safariIphone, edgeWindows]) expect(isBot(ua)).toBe(false);
  });
});

describe("sources", () => {
  const none = { utmSource: null, utmMedium: null, utmCampaign: null };
  test("search, social, referral, direct and internal", () => {
    expect(classifySource("https://www.google.de/search?q=x", "shop.test", none)).toMatchObject({
      source: "Google",
      channel: "Organic Search",
    });
    expect(classifySource("https://t.co/abc", "shop.test", none).source).toBe("Twitter");
    expect(classifySource("https://blog.example.org/post", "shop.test", none)).toMatchObject({
      source: "blog.example.org",
      channel: "Referral",
    });
    expect(classifySource("", "shop.test", none).channel).toBe("Direct");
    expect(classifySource("https://shop.test/other", "shop.test", none).channel).toBe("Direct");
  });
  test("utm_source wins, utm_medium decides paid and email", () => {
    expect(
      classifySource("https://www.google.com/", "s", {
        utmSource: "gads",
        utmMedium: "cpc",
        utmCampaign: "x",
      }),
    ).toMatchObject({ source: "gads", channel: "Paid" });
    expect(
      classifySource("", "s", { utmSource: "news", utmMedium: "email", utmCampaign: null }).channel,
    ).toBe("Email");
  });
});

describe("visitors and visits", () => {
  test("visitor ids depend on salt, site, IP and user agent", () => {
    const a = visitorId("salt1", "site", "1.2.3.4", chromeLinux);
    expect(visitorId("salt1", "site", "1.2.3.4", chromeLinux)).toBe(a);
    expect(visitorId("salt2", "site", "1.2.3.4", chromeLinux)).not.toBe(a);
    expect(visitorId("salt1", "other", "1.2.3.4", chromeLinux)).not.toBe(a);
    expect(visitorId("salt1", "site", "1.2.3.5", chromeLinux)).not.toBe(a);
    expect(Number.isSafeInteger(a)).toBe(true);
  });
  test("salts rotate daily and old ones are deleted", () => {
    const storage = memorySaltStorage();
    const ring = new SaltRing(storage);
    const day = 86_400_000;
    const first = ring.saltFor(10 * day);
    expect(ring.saltFor(10 * day + 1000)).toBe(first);
    ring.saltFor(11 * day);
    ring.saltFor(12 * day);
    expect(storage.load().map((r) => r.day)).toEqual([11, 12]);
    expect(new SaltRing(storage).saltFor(12 * day)).toBe(ring.saltFor(12 * day));
  });
  test("a visit ends after 30 minutes of inactivity", () => {
    let next = 1;
    const tracker = new SessionTracker(30 * 60_000, 100, () => next++);
    const facts = () => ({ source: "x" }) as never;
    expect(tracker.assign("s", 1, 0, facts).session).toBe(1);
    expect(tracker.assign("s", 1, 29 * 60_000, facts).session).toBe(1);
    expect(tracker.assign("s", 1, 58 * 60_000, facts).session).toBe(1);
    expect(tracker.assign("s", 1, 89 * 60_000, facts)).toMatchObject({ session: 2, isNew: true });
    expect(tracker.assign("s", 2, 89 * 60_000, facts).session).toBe(3);
    expect(tracker.sweep(200 * 60_000)).toBe(2);
  });
});

describe("beacons", () => {
  const context = {
    site: "app1",
    host: "shop.test",
    clientIp: "10.0.0.1",
    userAgent: chromeLinux,
    country: "DE",
  };
  test("a pageview becomes an event with the visit's facts", () => {
    const ring = new SaltRing(memorySaltStorage());
    const tracker = new SessionTracker();
    const body = JSON.stringify({
      n: "pageview",
      u: "https://shop.test/pricing?utm_source=launch&utm_campaign=spring",
      r: "https://news.ycombinator.com/item?id=1",
    });
    const result = enrichBeacon(body, { ...context, now: 1000 }, ring, tracker);
    expect(result.accepted).toBe(true);
    const event = (result as { record: IngestRecord & { kind: "event" } }).record.event;
    expect(event).toMatchObject({ site: "app1", name: "pageview", path: "/pricing", props: null });
    expect(event.facts).toMatchObject({
      source: "launch",
      referrer: "news.ycombinator.com",
      utmCampaign: "spring",
      browser: "Chrome",
      country: "DE",
    });
    const custom = enrichBeacon(
      JSON.stringify({ n: "signup", u: "https://shop.test/pricing", p: { plan: "pro" } }),
      { ...context, now: 2000 },
      ring,
      tracker,
    ) as { record: IngestRecord & { kind: "event" } };
    expect(custom.record.event.session).toBe(event.session);
    expect(custom.record.event.props).toBe('{"plan":"pro"}');
  });
  test("a __proto__ prop is kept as an ordinary prop, and checked like the others", () => {
    const ring = new SaltRing(memorySaltStorage());
    const tracker = new SessionTracker();
    const body = '{"n":"signup","u":"https://shop.test/","p":{"__proto__":"x","constructor":"y"}}';
    const result = enrichBeacon(body, { ...context, now: 1000 }, ring, tracker) as {
      record: IngestRecord & { kind: "event" };
    };
    expect(result.record.event.props).toBe('{"__proto__":"x","constructor":"y"}');
    expect(() => parseEventPayload('{"n":"x","u":"/","p":{"__proto__":{"deep":1}}}')).toThrow(
      InvalidEventError,
    );
    expect(() => parseEventPayload('{"n":"x","u":"/","p":{"__proto__":"a\\u0000"}}')).toThrow(/NUL/);
    // It counts toward the 30 props like any other.
    const thirty = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, i]));
    const withProto = JSON.stringify({ n: "x", u: "/", p: thirty }).replace('"p":{', '"p":{"__proto__":"x",');
    expect(() => parseEventPayload(withProto)).toThrow(/at most 30 props/);
  });
  test("bots are dropped, invalid and oversized bodies rejected", () => {
    const ring = new SaltRing(memorySaltStorage());
    const tracker = new SessionTracker();
    const body = JSON.stringify({ n: "pageview", u: "https://shop.test/" });
    expect(enrichBeacon(body, { ...context, userAgent: "Googlebot/2.1", now: 1 }, ring, tracker)).toEqual({
      accepted: false,
      reason: "bot",
    });
    expect(() => parseEventPayload("{")).toThrow(InvalidEventError);
    expect(() => parseEventPayload(JSON.stringify({ n: "x" }))).toThrow(InvalidEventError);
    expect(() => parseEventPayload(JSON.stringify({ n: "x", u: "/", extra: 1 }))).toThrow(InvalidEventError);
    expect(() => parseEventPayload("x".repeat(MAX_EVENT_BYTES + 1))).toThrow(/larger/);
  });
});

describe("write queue", () => {
  test("refuses and counts when full, never blocks, writes in batches", async () => {
    const written: number[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const queue = new WriteQueue({
      capacity: 5,
      batchSize: 2,
      flushIntervalMs: 60_000,
      write: async (batch) => {
        await gate;
        written.push(batch.length);
      },
      onError: () => {},
    });
    const record = { kind: "vitals", vitals: {} } as IngestRecord;
    // The first two start a write that hangs on the gate; three more fill the buffer (the two in
    // flight count against the capacity), one is refused.
    for (let i = 0; i < 6; i++) queue.offer(record);
    expect(queue.snapshot()).toMatchObject({ queued: 5, refused: 1, dropped: 0 });
    release();
    await queue.close();
    expect(written).toEqual([2, 3]);
    expect(queue.snapshot()).toMatchObject({ queued: 0, written: 5, refused: 1 });
  });
});
