/**
 * Analytics auto-injection through the compiled binary: a static site deployed with git push, its
 * analytics setting `autoInject` switched on and off, the proxy adding the tracker tag in between.
 * Needs git (no Docker: static sites run in the pier process).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { requireService } from "@pier/testkit";
import { chromiumAvailable, launchChromium } from "../support/chromium.ts";
import { type PierProcess, startPier } from "../support/pier-process.ts";
import {
  api,
  baseDomain,
  gitRemote,
  ScratchRepo,
  staticSiteFiles,
  viaProxy,
  waitFor,
} from "./deploy-fixtures.ts";

const ready = requireService(
  "git",
  Bun.which("git") ? null : "no git on PATH",
  "Install it with `apt-get install -y git`.",
);
const token = `pier_inject${crypto.randomUUID().replaceAll("-", "")}`;
const name = `inject${Date.now().toString(36)}`;
const host = `${name}.${baseDomain}`;
const TAG = '<script defer src="/_pier/script.js"></script>';
let pier: PierProcess;
let call: ReturnType<typeof api>;

const home = async () => (await viaProxy(pier.httpPort, host, "/", { "accept-encoding": "identity" })).text();
/** What Chromium sends: pier's static server compresses the page, after injecting the tag. */
const BROWSER = { "accept-encoding": "gzip, deflate, br, zstd", accept: "text/html" };
const setAutoInject = async (autoInject: boolean) =>
  expect(
    (await call("PUT", `/api/v1/analytics/${name}/settings`, { respectDnt: false, autoInject })).status,
  ).toBe(200);
const hasChromium = chromiumAvailable();

beforeAll(async () => {
  if (!ready) return;
  pier = await startPier({
    env: { PIER_ADMIN_TOKEN: token },
    args: ["--proxy-workers", "1", "--base-domain", baseDomain],
  });
  call = api(pier.url, token);
  expect((await call("POST", "/api/v1/apps", { name })).status).toBe(201);
  const site = new ScratchRepo(gitRemote(pier, token, name));
  await site.commit({
    ...staticSiteFiles("Injected"),
    // Over the static server's 1 KB floor for compression, so browsers get it compressed.
    "big.html": `<!doctype html><title>Big</title><h1>Big</h1>${"<p>A paragraph of the page.</p>\n".repeat(100)}`,
  });
  expect((await site.push("main")).code).toBe(0);
}, 60_000);

afterAll(async () => {
  await pier?.stop();
});

describe.skipIf(!ready)("analytics auto-injection", () => {
  test("the tracker tag appears in the app's HTML only while autoInject is on", async () => {
    expect(await home()).toContain("Injected");
    expect(await home()).not.toContain(TAG);
    const on = await call("PUT", `/api/v1/analytics/${name}/settings`, {
      respectDnt: false,
      autoInject: true,
    });
    expect(on.status).toBe(200);
    await waitFor("tag injected", async () => (await home()).includes(TAG), 10_000);
    const page = await viaProxy(pier.httpPort, host, "/", { "accept-encoding": "identity" });
    const body = await page.text();
    expect(body.split(TAG).length - 1).toBe(1);
    expect(Number(page.headers.get("content-length"))).toBe(Buffer.byteLength(body));
    const css = await viaProxy(pier.httpPort, host, "/app.css", { "accept-encoding": "identity" });
    expect(await css.text()).not.toContain(TAG);
    await call("PUT", `/api/v1/analytics/${name}/settings`, { respectDnt: false, autoInject: false });
    await waitFor("tag gone", async () => !(await home()).includes(TAG), 10_000);
  }, 30_000);

  test("a browser's request (br, gzip) gets the tag too: the proxy asks the static server to inject", async () => {
    await setAutoInject(true);
    const browserHome = async () => {
      const page = await viaProxy(pier.httpPort, host, "/big.html", BROWSER);
      return { encoding: page.headers.get("content-encoding"), body: await page.text() };
    };
    const page = await waitFor("tag in the compressed page", async () => {
      const got = await browserHome();
      return got.body.includes(TAG) && got;
    });
    expect(["br", "gzip", "zstd"]).toContain(page.encoding ?? "identity");
    expect(page.body.split(TAG).length - 1).toBe(1);
    await setAutoInject(false);
    await waitFor("tag gone", async () => !(await browserHome()).body.includes(TAG), 10_000);
  }, 30_000);

  test("a client cannot ask for injection itself: X-Pier-Inject-Tracker is the proxy's", async () => {
    const page = await viaProxy(pier.httpPort, host, "/big.html", {
      ...BROWSER,
      "x-pier-inject-tracker": "tracker",
    });
    expect(page.headers.get("content-encoding")).not.toBeNull();
    expect(await page.text()).not.toContain(TAG);
  });

  test.if(hasChromium)(
    "in Chromium the page loads the tracker when autoInject is on",
    async () => {
      await setAutoInject(true);
      const browser = await launchChromium(["--host-resolver-rules=MAP * 127.0.0.1"]);
      try {
        const tab = await browser.newPage();
        const found = await waitFor("the tracker script in the page", async () => {
          await tab.goto(`http://${host}:${pier.httpPort}/big.html`, { waitUntil: "load" });
          return (
            tab.evaluate(() => document.querySelector('script[src="/_pier/script.js"]') !== null) || undefined
          );
        });
        expect(found).toBe(true);
      } finally {
        await browser.close();
        await setAutoInject(false);
      }
    },
    60_000,
  );
});
