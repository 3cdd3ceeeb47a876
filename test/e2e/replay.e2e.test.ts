import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Server } from "bun";
import type { Browser } from "playwright-core";
import { jsonApi, type PierProcess, startPier } from "../support/pier-process.ts";
import { chromiumAvailable, launchChromium, shoot, watchPage } from "./dashboard-browser.ts";

// Session replay end to end: a page with @sentry/browser's replayIntegration records a session in
// Chromium (with the SDK's compression worker) and hits an error; the compiled pier stores the
// segments and links the replay to the issue; the dashboard plays it back with rrweb.
const token = `pier_replay${crypto.randomUUID().replaceAll("-", "")}`;
let pier: PierProcess;
let site: Server<unknown> | undefined;
let browser: Browser | undefined;
const api = jsonApi(() => pier, token);

interface Replay {
  replayId: string;
  projectId: number;
  segments: number;
  errorIds: string[];
  urls: string[];
  user: string | null;
  browser: string | null;
  durationMs: number;
  replayType: string;
}

async function until<T>(
  what: string,
  probe: () => Promise<T | null | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(250);
  }
}

describe.skipIf(!chromiumAvailable())("session replay from @sentry/browser, played in the dashboard", () => {
  beforeAll(async () => {
    pier = await startPier({ env: { PIER_ADMIN_TOKEN: token }, args: ["--proxy-workers", "0"] });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    site?.stop(true);
    await pier?.stop();
  }, 20_000);

  test("a recorded session with an error is stored, linked to its issue and replayed with the page's DOM", async () => {
    const { project } = await api<{ project: { id: number; publicKey: string } }>(
      "POST",
      "/api/v1/errors/projects",
      { name: "replay-shop" },
    );
    const outdir = mkdtempSync(join(tmpdir(), "pier-e2e-replay-"));
    const build = await Bun.build({
      entrypoints: [join(import.meta.dir, "errors-fixtures", "replay-browser-entry.ts")],
      outdir,
      naming: "app.[ext]",
      target: "browser",
      minify: true,
    });
    expect(build.success).toBe(true);
    const bundle = await Bun.file(join(outdir, "app.js")).text();
    const consoleUrl = new URL(pier.url);
    const dsn = `http://${project.publicKey}@${consoleUrl.host}/${project.id}`;
    const html = `<!doctype html><html><head><title>shop</title>
<script>window.PIER_SENTRY = ${JSON.stringify({ dsn })};</script>
<script src="/app.js" defer></script></head><body>
<h1 class="public">Checkout</h1><p id="card">card 4242 4242 4242 4242</p>
<ul id="orders"></ul><button id="add" class="public">Add order</button> <button id="pay" class="public">Pay</button>
</body></html>`;
    site = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch(req) {
        if (new URL(req.url).pathname === "/app.js")
          return new Response(bundle, { headers: { "content-type": "text/javascript" } });
        return new Response(html, { headers: { "content-type": "text/html" } });
      },
    });

    const recorder = await browser!.newPage();
    watchPage(recorder);
    // The bodies of the replay envelopes, to check what the SDK's compression worker sent.
    const recordings: Buffer[] = [];
    recorder.on("request", (request) => {
      const body = request.postDataBuffer();
      if (request.url().includes("/envelope/") && body?.includes('"type":"replay_recording"'))
        recordings.push(body);
    });
    await recorder.goto(`http://127.0.0.1:${site.port}/`);
    await recorder.waitForFunction(
      () => (window as unknown as { sentryReady?: boolean }).sentryReady === true,
    );
    await Bun.sleep(800);
    await recorder.click("#add");
    await Bun.sleep(800);
    await recorder.click("#pay");

    // The error's issue, and the replay with the segments after it (the last ones list the error).
    const issue = await until("the issue", async () => {
      const { issues } = await api<{ issues: { id: string; title: string }[] }>(
        "GET",
        `/api/v1/errors/issues?project=${project.id}`,
      );
      return issues[0];
    });
    expect(issue.title).toMatch(/^TypeError: .*total/);
    const replay = await until("the replay with the error's id", async () => {
      const { replays } = await api<{ replays: Replay[] }>(
        "GET",
        `/api/v1/errors/issues/${issue.id}/replays`,
      );
      return replays[0]?.errorIds.length ? replays[0] : null;
    });
    expect(replay).toMatchObject({ projectId: project.id, replayType: "session", user: "replay-user" });
    expect(replay.segments).toBeGreaterThanOrEqual(2);
    // Sentry's custom events carry seconds: counted in ms, the session lasts seconds, not years.
    expect(replay.durationMs).toBeGreaterThan(1000);
    expect(replay.durationMs).toBeLessThan(60_000);
    expect(replay.urls[0]).toBe(`http://127.0.0.1:${site.port}/`);
    expect(replay.browser).toMatch(/^Chrome \d+/);
    await recorder.close();
    // The worker compressed the recordings (zlib after the {"segment_id":N} line).
    const zlibbed = recordings.filter((body) => {
      const at = body.indexOf('{"segment_id":');
      return at !== -1 && body[body.indexOf(10, at) + 1] === 0x78;
    });
    expect(zlibbed.length).toBeGreaterThan(0);

    const detail = await api<{ issues: { id: string }[] }>(
      "GET",
      `/api/v1/errors/projects/${project.id}/replays/${replay.replayId}`,
    );
    expect(detail.issues.map((i) => i.id)).toEqual([issue.id]);
    const segments = await api<{ segments: { events: { type: number }[] }[]; next: number | null }>(
      "GET",
      `/api/v1/errors/projects/${project.id}/replays/${replay.replayId}/segments`,
    );
    const types = segments.segments.flatMap((s) => s.events.map((e) => e.type));
    expect(types).toContain(2); // a full snapshot
    expect(types).toContain(3); // incremental changes
    // Masked by the SDK: the card number never reached pier.
    expect(JSON.stringify(segments)).not.toContain("4242");

    // The dashboard: the issue lists the replay, the replay page plays it.
    const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
    const page = watchPage(await context.newPage());
    await page.goto(pier.url);
    await page.getByRole("heading", { name: "Welcome to pier" }).waitFor();
    await page.getByLabel("Setup code").fill(pier.setupCode());
    await page.getByLabel("Email").fill("admin@example.com");
    await page.getByLabel("Password").fill("correct horse battery");
    await page.getByRole("button", { name: "Create admin account" }).click();
    await page.getByRole("heading", { name: "Apps" }).waitFor();
    // The Errors page lists the project's replays.
    await page.getByRole("link", { name: "Errors", exact: true }).click();
    const listed = page.getByTestId("project-replays").getByRole("row", { name: /replay-user/ });
    await listed.waitFor();
    expect(await listed.textContent()).toContain(`http://127.0.0.1:${site.port}/`);
    // Opening an issue does not fetch the player: rrweb comes with the replay page only.
    const scripts: string[] = [];
    page.on("response", (r) => {
      if (r.url().endsWith(".js")) scripts.push(r.url());
    });
    await page.goto(`${pier.url}/errors/issues/${issue.id}`);
    await page.getByTestId("issue-replays").waitFor();
    await page.getByTestId("event-replay-link").waitFor();
    const issueScripts = scripts.length;
    await page.getByTestId("issue-replays").getByRole("link", { name: "Watch" }).click();
    await page.waitForURL(`**/errors/projects/${project.id}/replays/${replay.replayId}`);
    const frameElement = page.locator(".replayer-wrapper iframe");
    await frameElement.waitFor();
    expect(scripts.length).toBeGreaterThan(issueScripts); // the player's chunk
    const frame = (await frameElement.elementHandle())!.contentFrame();
    const replayed = (await frame)!;
    // The first frame: the recorded page's DOM, unmasked heading, masked card number.
    await until("the full snapshot in the player", async () =>
      ((await replayed.locator("body").textContent()) ?? "").includes("Checkout"),
    );
    const first = (await replayed.locator("body").textContent()) ?? "";
    expect(first).not.toContain("4242");
    expect(first).not.toContain("Order placed");
    await page.getByTestId("replay-toggle").click();
    // Played on: the order added a second into the session appears in the replayed DOM.
    await until(
      "the replayed click",
      async () => ((await replayed.locator("body").textContent()) ?? "").includes("Order placed"),
      20_000,
    );
    expect(await page.getByTestId("replay-time").textContent()).not.toMatch(/^0:00 \//);
    // The error is marked where it happened in the session (the SDK's clock, like the recording's).
    const marker = page.getByTestId("replay-error-marker");
    expect(await marker.textContent()).toMatch(/^0:0[1-9] TypeError: .*total/);
    await shoot(page, "flow-error-replay");
    // And back to the issue.
    await page.getByTestId("replay-issues").getByRole("link").first().click();
    await page.getByTestId("issue-title").waitFor();
    expect(page.url()).toEndWith(`/errors/issues/${issue.id}`);
    await context.close();

    // Bad ids are a 400 naming the field, unknown ones a 404; deleting removes the recording.
    const auth = { authorization: `Bearer ${token}` };
    const base = `${pier.url}/api/v1/errors/projects/${project.id}/replays`;
    expect((await fetch(`${base}/not-a-replay-id`, { headers: auth })).status).toBe(400);
    expect((await fetch(`${base}/${"0".repeat(32)}`, { headers: auth })).status).toBe(404);
    expect((await fetch(`${base}/${replay.replayId}`, { method: "DELETE", headers: auth })).status).toBe(200);
    expect((await fetch(`${base}/${replay.replayId}/segments`, { headers: auth })).status).toBe(404);
  }, 120_000);

  test("a recording's same-origin addresses are not fetched from the console while it plays", async () => {
    const { project } = await api<{ project: { id: number; publicKey: string } }>(
      "POST",
      "/api/v1/errors/projects",
      { name: "replay-probe" },
    );
    // What anyone holding the DSN can send: rrweb nodes pointing at the console's own paths, which
    // the about:blank replay frame resolves against the console with its session cookie.
    const replayId = "e".repeat(32);
    const now = Date.now();
    const el = (
      id: number,
      tagName: string,
      attributes: Record<string, string>,
      childNodes: unknown[] = [],
    ) => ({
      type: 2,
      id,
      tagName,
      attributes,
      childNodes,
    });
    const text = (id: number, textContent: string, isStyle = false) => ({
      type: 3,
      id,
      textContent,
      isStyle,
    });
    const probe = "/api/v1/whatever-probe";
    const page0 = el(2, "html", {}, [
      el(3, "head", {}, [
        el(10, "link", { rel: "stylesheet", href: `${probe}?link-css` }),
        el(11, "link", { rel: "prefetch", href: `${probe}?prefetch` }),
        el(12, "link", { rel: "preload", as: "fetch", href: `${probe}?preload` }),
        el(13, "style", {}, [
          text(14, `@import url(${probe}?import); body { background: url(${probe}?css-bg) }`, true),
        ]),
      ]),
      el(4, "body", {}, [
        el(5, "img", { src: `${probe}?img` }),
        el(6, "img", { srcset: `${probe}?srcset 1x` }),
        el(7, "video", { poster: `${probe}?poster`, src: `${probe}?video` }),
        el(8, "div", { style: `background: url(${probe}?style-bg); width: 10px; height: 10px` }),
        el(9, "h1", {}, [text(15, "Replayed probe page")]),
      ]),
    ]);
    const events = [
      { type: 4, timestamp: now, data: { href: "http://shop.example/", width: 800, height: 600 } },
      {
        type: 2,
        timestamp: now,
        data: { initialOffset: { top: 0, left: 0 }, node: { type: 0, id: 1, childNodes: [page0] } },
      },
      {
        type: 3,
        timestamp: now + 500,
        data: {
          source: 0,
          adds: [{ parentId: 4, nextId: null, node: el(20, "img", { src: `${probe}?added` }) }],
          removes: [],
          texts: [],
          attributes: [{ id: 10, attributes: { href: `${probe}?attr` } }],
        },
      },
    ];
    const recording = `{"segment_id":0}\n${JSON.stringify(events)}`;
    const replayEvent = {
      type: "replay_event",
      replay_id: replayId,
      event_id: replayId,
      segment_id: 0,
      replay_type: "session",
      timestamp: now / 1000,
      replay_start_timestamp: now / 1000,
      urls: ["http://shop.example/"],
      error_ids: [],
      trace_ids: [],
      platform: "javascript",
    };
    const envelope = [
      JSON.stringify({ event_id: replayId, sent_at: new Date().toISOString() }),
      JSON.stringify({ type: "replay_event" }),
      JSON.stringify(replayEvent),
      JSON.stringify({ type: "replay_recording", length: Buffer.byteLength(recording) }),
      recording,
      "",
    ].join("\n");
    const sent = await fetch(`${pier.url}/api/${project.id}/envelope/?sentry_key=${project.publicKey}`, {
      method: "POST",
      body: envelope,
    });
    expect(sent.status).toBe(200);
    await until("the stored replay", async () => {
      const res = await fetch(
        `${pier.url}/api/v1/errors/projects/${project.id}/replays/${replayId}/segments`,
        {
          headers: { authorization: `Bearer ${token}` },
        },
      );
      return res.ok && ((await res.json()) as { segments: unknown[] }).segments.length > 0;
    });

    // The admin of the test above, or created here when this test runs alone (409 if it exists).
    await fetch(`${pier.url}/api/v1/auth/setup`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ email: "admin@example.com", password: "correct horse battery" }),
    });
    const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
    const page = watchPage(await context.newPage());
    await page.goto(pier.url);
    await page.getByLabel("Email").fill("admin@example.com");
    await page.getByLabel("Password").fill("correct horse battery");
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("heading", { name: "Apps" }).waitFor();
    // What reached the console: a request the CSP blocked fails with "csp" and never leaves Chromium.
    const probed: string[] = [];
    page.on("response", (response) => {
      if (response.url().includes("whatever-probe")) probed.push(response.url());
    });
    page.on("requestfailed", (request) => {
      if (request.url().includes("whatever-probe") && request.failure()?.errorText !== "csp")
        probed.push(`${request.url()} (${request.failure()?.errorText})`);
    });
    await page.goto(`${pier.url}/errors/projects/${project.id}/replays/${replayId}`);
    const frameElement = page.locator(".replayer-wrapper iframe");
    await frameElement.waitFor();
    const replayed = (await (await frameElement.elementHandle())!.contentFrame())!;
    await until("the probe page in the player", async () =>
      ((await replayed.locator("body").textContent()) ?? "").includes("Replayed probe page"),
    );
    await page.getByTestId("replay-toggle").click();
    await until("the added node", async () => (await replayed.locator("img").count()) === 3, 10_000);
    await Bun.sleep(1000);
    expect(probed).toEqual([]);
    // The dashboard's own stylesheets (inlined into index.html) still apply under the narrower CSP.
    const font = await page.evaluate(() => getComputedStyle(document.body).fontFamily);
    expect(font).toContain("system-ui");
    await context.close();
  }, 60_000);
});
