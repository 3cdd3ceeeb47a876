// Dashboard weight and speed in Chromium against the compiled binary: JS+CSS bytes on the wire for
// a first (cold-cache) load of the signed-in home, time from navigation start to its apps list and
// to the whole home (activity and platform health), and what opening an app adds (its chunk).
// Run with `bun bench/dashboard/run.ts` (needs dist/pier and /usr/bin/chromium).
import { loadavg } from "node:os";
import { chromiumAvailable, launchChromium } from "../../test/e2e/dashboard-browser.ts";
import { startPier } from "../../test/support/pier-process.ts";
import { machineLine, writePerformanceSection } from "../support/performance-doc.ts";

const runs = Math.min(50, Number(process.env.RUNS ?? 15));
const appCount = Math.min(200, Number(process.env.APPS ?? 20));
if (!chromiumAvailable()) process.exit(0);

const adminToken = `pier_bench${crypto.randomUUID().replaceAll("-", "")}`;
const pier = await startPier({
  env: { PIER_ADMIN_TOKEN: adminToken, PIER_LOG_LEVEL: "debug" },
  args: ["--proxy-workers", "1"],
});
const browser = await launchChromium();

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

interface Load {
  jsCssEncoded: number;
  jsCssDecoded: number;
  htmlEncoded: number;
  requests: number;
  renderedMs: number;
  completeMs: number;
  domContentLoadedMs: number;
  /** JS+CSS fetched when an app's page is opened from the home (its chunk). */
  appPageEncoded: number;
}

try {
  const admin = { email: "bench@example.com", password: "benchmark password" };
  const setup = await fetch(`${pier.url}/api/v1/auth/setup`, {
    method: "POST",
    // The admin token proves control of the server, as the printed setup code would.
    headers: { "content-type": "application/json", authorization: `Bearer ${adminToken}` },
    body: JSON.stringify(admin),
  });
  if (setup.status !== 201) throw new Error(`setup failed: ${setup.status} ${await setup.text()}`);
  const cookie = setup.headers.get("set-cookie")!.split(";")[0]!;
  const [cookieName, cookieValue] = [
    cookie.slice(0, cookie.indexOf("=")),
    cookie.slice(cookie.indexOf("=") + 1),
  ];
  for (let i = 0; i < appCount; i++) {
    await fetch(`${pier.url}/api/v1/apps`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ name: `app-${i}` }),
    });
  }
  const storageState = {
    cookies: [
      {
        name: cookieName,
        value: cookieValue,
        domain: "127.0.0.1",
        path: "/",
        expires: -1,
        httpOnly: true,
        secure: false,
        sameSite: "Lax" as const,
      },
    ],
    origins: [],
  };

  /**
   * A session replay page opened cold: the first load plus the player's chunk (rrweb), which no
   * other page fetches. The replay is a small one posted through the Sentry ingest endpoint.
   */
  async function replayPageLoad(): Promise<number> {
    const created = await fetch(`${pier.url}/api/v1/errors/projects`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "bench-replays" }),
    });
    const { project } = (await created.json()) as { project: { id: number; publicKey: string } };
    const replayId = crypto.randomUUID().replaceAll("-", "");
    const now = Date.now();
    const recording = JSON.stringify([
      { type: 4, timestamp: now, data: { href: "http://bench.test/", width: 800, height: 600 } },
      {
        type: 2,
        timestamp: now + 1,
        data: {
          node: {
            type: 0,
            id: 1,
            childNodes: [{ type: 2, id: 2, tagName: "html", attributes: {}, childNodes: [] }],
          },
          initialOffset: { top: 0, left: 0 },
        },
      },
    ]);
    const recordingItem = `${JSON.stringify({ segment_id: 0 })}\n${recording}`;
    const envelope = [
      JSON.stringify({ event_id: replayId }),
      JSON.stringify({ type: "replay_event" }),
      JSON.stringify({ type: "replay_event", replay_id: replayId, segment_id: 0, timestamp: now / 1000 }),
      JSON.stringify({ type: "replay_recording", length: Buffer.byteLength(recordingItem) }),
      recordingItem,
    ].join("\n");
    const sent = await fetch(`${pier.url}/api/${project.id}/envelope/?sentry_key=${project.publicKey}`, {
      method: "POST",
      body: envelope,
    });
    if (sent.status !== 200) throw new Error(`replay ingest failed: ${sent.status} ${await sent.text()}`);
    const context = await browser.newContext({ storageState, viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${pier.url}/errors/projects/${project.id}/replays/${replayId}`);
    await page.locator(".replayer-wrapper iframe").waitFor({ timeout: 15_000 });
    const bytes = await page.evaluate(() =>
      (performance.getEntriesByType("resource") as PerformanceResourceTiming[])
        .filter((r) => /\.(js|css)(\?|$)/.test(r.name))
        .reduce((sum, r) => sum + r.transferSize, 0),
    );
    await context.close();
    return bytes;
  }

  // Every run is a new context: empty HTTP cache, so each is a true first load.
  async function coldLoad(): Promise<Load> {
    const context = await browser.newContext({ storageState, viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.goto(pier.url);
    const marks = ["pier:apps-rendered", "pier:activity-rendered", "pier:health-rendered"];
    await page.waitForFunction(
      (names) => names.every((n) => performance.getEntriesByName(n).length > 0),
      marks,
      {
        timeout: 15_000,
      },
    );
    const measured = await page.evaluate((names) => {
      const resources = performance.getEntriesByType("resource") as PerformanceResourceTiming[];
      const assets = resources.filter((r) => /\.(js|css)(\?|$)/.test(r.name));
      const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
      return {
        jsCssEncoded: assets.reduce((sum, r) => sum + r.transferSize, 0),
        jsCssDecoded: assets.reduce((sum, r) => sum + r.decodedBodySize, 0),
        htmlEncoded: nav.transferSize,
        requests: resources.length + 1,
        renderedMs: performance.getEntriesByName("pier:apps-rendered")[0]!.startTime,
        completeMs: Math.max(...names.map((n) => performance.getEntriesByName(n)[0]!.startTime)),
        domContentLoadedMs: nav.domContentLoadedEventEnd,
      };
    }, marks);
    const before = measured.jsCssEncoded;
    await page.locator("tr[data-app] a.app-name").first().click();
    await page
      .getByRole("heading", { name: "Deployments" })
      .or(page.getByTestId("deploy-instructions"))
      .first()
      .waitFor();
    const after = await page.evaluate(() =>
      (performance.getEntriesByType("resource") as PerformanceResourceTiming[])
        .filter((r) => /\.(js|css)(\?|$)/.test(r.name))
        .reduce((sum, r) => sum + r.transferSize, 0),
    );
    await context.close();
    return { ...measured, appPageEncoded: after - before };
  }

  await coldLoad(); // warm the server and the browser process, not measured
  const loads: Load[] = [];
  for (let i = 0; i < runs; i++) loads.push(await coldLoad());

  const replayPageEncoded = await replayPageLoad();

  const first = loads[0]!;
  const rendered = loads.map((l) => l.renderedMs);
  const complete = loads.map((l) => l.completeMs);
  const dcl = loads.map((l) => l.domContentLoadedMs);
  const moduleMs = /"msg":"dashboard ready".*?"ms":(\d+)/.exec(pier.logs())?.[1];
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  const table = [
    "| measure | value | target |",
    "| --- | --- | --- |",
    `| JS+CSS transferred on first load of the signed-in home (gzip, incl. headers) | ${kb(first.jsCssEncoded)} (${kb(first.jsCssDecoded)} uncompressed) | < 60 KB |`,
    `| JS+CSS added by opening an app's page (its chunk) | ${kb(first.appPageEncoded)} | |`,
    `| JS+CSS of a session replay page opened cold (the first load and the rrweb player's chunk, fetched by no other page) | ${kb(replayPageEncoded)} | |`,
    `| index.html transferred | ${kb(first.htmlEncoded)} | |`,
    `| requests for the home (document, JS, CSS, API and the deploy-events stream) | ${first.requests} | |`,
    `| navigation start to apps list in the DOM (${appCount} apps, median of ${runs} cold loads) | ${median(rendered).toFixed(0)} ms (p90 ${percentile(rendered, 90).toFixed(0)}, max ${Math.max(...rendered).toFixed(0)}) | |`,
    `| navigation start to the whole home (sparklines, figures, platform health; median) | ${median(complete).toFixed(0)} ms (p90 ${percentile(complete, 90).toFixed(0)}) | |`,
    `| navigation start to DOMContentLoaded (median) | ${median(dcl).toFixed(0)} ms | |`,
    `| dashboard module start-up inside pier serve (load + gzip assets) | ${moduleMs ?? "?"} ms | |`,
  ].join("\n");
  console.log(table);
  writePerformanceSection(
    "Dashboard",
    `${table}

Chromium (Debian, headless, driven by playwright-core) against the compiled binary on 127.0.0.1,
a new browser context per load (empty cache, session cookie preset), ${appCount} apps on the home. "In the DOM"
is a \`performance.mark\` the home sets (layout effect) when the list from \`GET /api/v1/apps-overview\`
is first committed; the session check and that request both leave before the first render. "The whole home"
is the last of that mark and the ones set when \`GET /api/v1/apps-activity\` (sparklines, figures) and
\`GET /api/v1/platform/health\` are rendered. Every page but the home is a chunk of its own (\`import()\`,
split by Bun's bundler), fetched when first opened: the app page's is the second figure.
The machine is shared with other test suites (load average ${loadavg()[0]!.toFixed(1)} when measured), so the times move
a lot between runs (re-run on a quiet machine for a clean figure); the byte counts do not.
Assets are embedded in the binary (Bun HTML import), gzipped once at start-up and served with
\`Cache-Control: immutable\` for hashed chunks, so later visits transfer only index.html (or a 304).

Command: \`bun bench/dashboard/run.ts\` (RUNS=${runs}, APPS=${appCount}). Machine: ${machineLine()}.`,
  );
} finally {
  await browser.close();
  await pier.stop();
}
