import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Server } from "bun";
import type { Browser, BrowserContext } from "playwright-core";
import { chromiumAvailable, launchChromium } from "../support/chromium.ts";
import { type PierProcess, startPier } from "../support/pier-process.ts";

// Real Chromium visits a site served through pier's proxy; the page loads /_pier/script.js from
// its own host, beacons go back through the proxy to the console, and the JSON API must count
// every pageview, SPA navigation, custom event and Web Vitals sample exactly once.
const hasChromium = chromiumAvailable();
const adminToken = `pier_analytics${crypto.randomUUID().replaceAll("-", "")}`;

// Two people on the same network with different browsers. Same IP and same user agent would be
// one visitor by design: the id is a salted hash of site, IP and user agent, with no cookie.
const visitorA =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const visitorB =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0";

const page = (title: string) => `<!doctype html><html><head><title>${title}</title>
<script>window.pier=window.pier||function(){(window.pier.q=window.pier.q||[]).push(arguments)}</script>
<script defer src="/_pier/script.js"></script></head>
<body><h1 style="font-size:64px">${title}: a headline big enough to be the largest contentful paint</h1>
<p>Some text for the page.</p>
<button id="cta" data-pier-event="cta" data-pier-prop-plan="pro">Start</button>
<button id="signup" onclick="pier('signup', {props: {plan: 'team'}})">Sign up</button>
<button id="spa" onclick="history.pushState({}, '', '/spa/next')">Next (SPA)</button>
<a id="out" href="http://outbound.test/">elsewhere</a>
<script>document.getElementById("out").port = location.port</script>
</body></html>`;

let pier: PierProcess;
let site: Server<unknown>;
const browsers: Browser[] = [];

async function api(path: string, init: RequestInit = {}) {
  const res = await fetch(`${pier.url}/api/v1/analytics${path}`, {
    ...init,
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json", ...init.headers },
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

async function addRoute(host: string) {
  const res = await fetch(`${pier.url}/api/v1/routes`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({ host, upstreams: [`http://127.0.0.1:${site.port}`] }),
  });
  expect(res.status).toBe(201);
}

/**
 * One browser per user agent, set with --user-agent: Playwright's per-context override does not
 * reach beacons sent while a page unloads, which would then carry "HeadlessChrome" (and be
 * filtered as a bot) although no real browser behaves that way.
 */
async function context(userAgent?: string): Promise<BrowserContext> {
  const browser = await launchChromium([
    // Every test host resolves to loopback; nothing leaves the machine.
    "--host-resolver-rules=MAP * 127.0.0.1",
    ...(userAgent ? [`--user-agent=${userAgent}`] : []),
  ]);
  browsers.push(browser);
  return browser.newContext();
}

/** Polls until `check` passes or the deadline hits; beacons are written in batches every 250 ms. */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  let value = await read();
  while (!check(value) && Date.now() < deadline) {
    await Bun.sleep(200);
    value = await read();
  }
  return value;
}

/**
 * LCP is only reported once the page has painted and the entry reached the tracker's observer; a
 * real visitor always looks at the page first. Two frames were not always enough under load: wait
 * for a buffered LCP entry, which is delivered after the tracker's own observer saw it.
 */
const painted = (tab: import("playwright-core").Page) =>
  tab.evaluate(
    () =>
      new Promise<void>((done) => {
        new PerformanceObserver((_list, observer) => {
          observer.disconnect();
          requestAnimationFrame(() => done());
        }).observe({ type: "largest-contentful-paint", buffered: true });
        setTimeout(done, 5000);
      }),
  );

const url = (host: string, path = "/") => `http://${host}:${pier.httpPort}${path}`;

beforeAll(async () => {
  if (!hasChromium) return;
  site = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (req) =>
      new Response(page(new URL(req.url).pathname), {
        headers: { "content-type": "text/html; charset=utf-8" },
      }),
  });
  pier = await startPier({ env: { PIER_ADMIN_TOKEN: adminToken }, args: ["--proxy-workers", "1"] });
  await addRoute("site.test");
  await addRoute("private.test");
}, 60_000);

afterAll(async () => {
  for (const browser of browsers) await browser.close();
  await pier?.stop();
  site?.stop(true);
});

describe.skipIf(!hasChromium)("analytics through the proxy in Chromium", () => {
  test("pageviews, SPA navigation, custom events, outbound click and Web Vitals are counted once", async () => {
    const a = await context(visitorA);
    const tab = await a.newPage();
    await tab.goto(url("site.test", "/"), { waitUntil: "load" });
    await tab.waitForFunction(() => typeof (window as unknown as { pier?: unknown }).pier === "function");
    await painted(tab);
    await tab.click("#cta");
    await tab.click("#signup");
    await tab.click("#spa");
    expect(new URL(tab.url()).pathname).toBe("/spa/next");
    await tab.goto(url("site.test", "/about"), { waitUntil: "load" });
    await painted(tab);
    await tab.click("#cta");
    // Leaving the page fires pagehide: the outbound-click and vitals beacons go out via sendBeacon.
    await tab.click("#out");
    await tab.waitForURL(/outbound\.test/);
    await a.close();

    const b = await context(visitorB);
    const tabB = await b.newPage();
    await tabB.goto(url("site.test", "/"), { waitUntil: "load" });
    await painted(tabB);
    await tabB.goto("about:blank");
    await b.close();

    const overview = await eventually(
      () => api("/site.test/overview?period=day"),
      (r) => r.overview.pageviews >= 4,
    );
    // Quiet period: a duplicate beacon would arrive late, so read again after the queue flushed twice.
    await Bun.sleep(1000);
    const settled = await api("/site.test/overview?period=day");
    expect(settled.overview).toEqual(overview.overview);
    expect(settled.overview).toMatchObject({ visitors: 2, visits: 2, pageviews: 4 });

    const pages = await api("/site.test/breakdown/page?period=day");
    expect(pages.rows.map((r: { value: string; pageviews: number }) => [r.value, r.pageviews])).toEqual([
      ["/", 2],
      ["/about", 1],
      ["/spa/next", 1],
    ]);
    const events = await api("/site.test/events?period=day");
    expect(events.events).toEqual([
      { name: "cta", visitors: 1, events: 2 },
      { name: "Outbound Link: Click", visitors: 1, events: 1 },
      { name: "signup", visitors: 1, events: 1 },
    ]);
    const ctaProps = await api("/site.test/events/cta/props?period=day");
    expect(ctaProps.props).toEqual([{ prop: "plan", value: "pro", events: 2 }]);
    const outbound = await api(
      `/site.test/events/${encodeURIComponent("Outbound Link: Click")}/props?period=day`,
    );
    expect(outbound.props[0]).toMatchObject({ prop: "url", value: expect.stringContaining("outbound.test") });

    const browsers = await api("/site.test/breakdown/browser?period=day");
    expect(browsers.rows.map((r: { value: string }) => r.value).sort()).toEqual(["Chrome", "Edge"]);

    // Three page loads ("/" and "/about" for A, "/" for B), each sends one vitals beacon.
    const { vitals } = await eventually(
      () => api("/site.test/vitals?period=day"),
      (r) => r.vitals.ttfb.samples >= 3,
    );
    expect(vitals.ttfb.samples).toBe(3);
    expect(vitals.lcp.samples).toBe(3);
    expect(vitals.cls.samples).toBe(3);
    expect(vitals.inp.samples).toBeGreaterThanOrEqual(1);
    expect(vitals.lcp.p50).toBeGreaterThan(0);

    const live = await api("/site.test/realtime");
    expect(live.realtime.visitors).toBe(2);

    const funnel = await api("/site.test/funnel", {
      method: "POST",
      body: JSON.stringify({
        period: "day",
        steps: [{ page: "/" }, { event: "signup" }, { page: "/about" }],
      }),
    });
    expect(funnel.funnel.steps.map((s: { visits: number }) => s.visits)).toEqual([2, 1, 1]);
  }, 60_000);

  test("bot user agents are not counted", async () => {
    const before = await api("/site.test/overview?period=day");
    for (const userAgent of [
      undefined,
      "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    ]) {
      // No userAgent override: headless Chromium announces itself as HeadlessChrome.
      const ctx = await context(userAgent);
      const tab = await ctx.newPage();
      await tab.goto(url("site.test", "/bot-visit"), { waitUntil: "load" });
      await tab.goto("about:blank");
      await ctx.close();
    }
    const stats = await eventually(
      () => api(""),
      (r) => r.ingest.bots >= 4,
    );
    expect(stats.ingest.bots).toBeGreaterThanOrEqual(4);
    await Bun.sleep(500);
    const after = await api("/site.test/overview?period=day");
    expect(after.overview).toEqual(before.overview);
  }, 30_000);

  test("Do-Not-Track is honoured when the site enables it", async () => {
    await api("/private.test/settings", {
      method: "PUT",
      body: JSON.stringify({ respectDnt: true, autoInject: false }),
    });
    const dnt = await context(visitorA);
    await dnt.addInitScript(() => Object.defineProperty(navigator, "doNotTrack", { get: () => "1" }));
    const tab = await dnt.newPage();
    await tab.goto(url("private.test", "/secret"), { waitUntil: "load" });
    await tab.waitForFunction(() => typeof (window as unknown as { pier?: unknown }).pier === "function");
    await tab.goto("about:blank");
    await dnt.close();

    const normal = await context(visitorB);
    const tab2 = await normal.newPage();
    // Closed only once its pageview was answered: on a loaded machine the beacon can still be
    // queued when the page has loaded, and closing the context would drop it.
    const beacon = tab2.waitForResponse((r) => r.url().includes("/_pier/event"), { timeout: 15_000 });
    await tab2.goto(url("private.test", "/open"), { waitUntil: "load" });
    expect((await beacon).status()).toBe(202);
    await normal.close();

    const pages = await eventually(
      () => api("/private.test/breakdown/page?period=day"),
      (r) => r.rows.length >= 1,
    );
    await Bun.sleep(500);
    expect(
      (await api("/private.test/breakdown/page?period=day")).rows.map((r: { value: string }) => r.value),
    ).toEqual(pages.rows.map((r: { value: string }) => r.value));
    expect(pages.rows.map((r: { value: string }) => r.value)).toEqual(["/open"]);
  }, 30_000);

  test("the proxy's request metrics sit beside the analytics", async () => {
    const r = await eventually(
      () => api("/site.test/requests?period=day"),
      (x) => x.requests.requests > 0,
    );
    expect(r.requests.status["2xx"]).toBeGreaterThan(0);
    const dashboard = await api("/site.test/dashboard?period=day");
    expect(dashboard.overview.visitors).toBe(2);
    expect(dashboard.requests.requests).toBeGreaterThan(0);
  }, 20_000);

  test("beacons are validated and size-limited", async () => {
    const send = (body: string) =>
      fetch(url("site.test", "/_pier/event").replace("site.test", "127.0.0.1"), {
        method: "POST",
        headers: { host: "site.test", "user-agent": visitorA },
        body,
      });
    expect((await send("not json")).status).toBe(400);
    expect((await send(JSON.stringify({ n: "x", u: "/", p: { a: { nested: 1 } } }))).status).toBe(400);
    expect((await send("x".repeat(20_000))).status).toBe(413);
    expect((await send(JSON.stringify({ n: "pageview", u: "http://site.test/api" }))).status).toBe(202);
  });
});
