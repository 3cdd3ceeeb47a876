import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { startWebhookReceiver } from "@pier/notify/testing";
import { flakyHttpServer } from "@pier/uptime/testing";
import type { Browser, Page } from "playwright-core";
import { type PierProcess, startPier } from "../support/pier-process.ts";
import { chromiumAvailable, launchChromium, screenshotDir, watchPage } from "./dashboard-browser.ts";

// The dashboard's Uptime page in Chromium: add a monitor, see it go down, add a channel and send
// a test, create a status page, each checked against the API or the receiver.
const enabled = chromiumAvailable();
let pier: PierProcess;
let browser: Browser;
let page: Page;
const app = flakyHttpServer();
const webhook = startWebhookReceiver();

describe.skipIf(!enabled)("uptime page in the dashboard", () => {
  beforeAll(async () => {
    pier = await startPier({
      env: { PIER_UPTIME_MIN_INTERVAL_SECONDS: "1" },
      args: ["--proxy-workers", "0"],
    });
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    watchPage(page);
    await page.goto(pier.url);
    await page.getByLabel("Setup code").fill(pier.setupCode());
    await page.getByLabel("Email").fill("admin@example.com");
    await page.getByLabel("Password").fill("correct horse battery");
    await page.getByRole("button", { name: "Create admin account" }).click();
    await page.getByRole("heading", { name: "Apps" }).waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await pier?.stop();
    app.stop();
    webhook.stop();
  });

  test("monitors, incidents, channels and status pages from the browser", async () => {
    await page.getByRole("link", { name: "Uptime" }).click();
    await page.getByRole("heading", { name: "Uptime" }).waitFor();
    await page.locator("input[name=monitor-name]").fill("web");
    await page.locator("input[name=monitor-target]").fill(app.url());
    // The form asks for at least 10 s like the API; this server allows 1 s for the test.
    await page.locator("input[name=monitor-interval]").evaluate((el) => el.removeAttribute("min"));
    await page.locator("input[name=monitor-interval]").fill("1");
    await page.locator("input[name=monitor-retries]").fill("0");
    await page.getByRole("button", { name: "Add monitor" }).click();
    const monitors = page.getByTestId("uptime-monitors");
    await monitors.getByText("web", { exact: true }).waitFor();

    app.setHealthy(false);
    await page.getByRole("button", { name: "Check now" }).click();
    await monitors.getByText("down", { exact: true }).waitFor();
    await page.getByTestId("uptime-incidents").getByText("ongoing").waitFor();

    await page.locator("input[name=channel-name]").fill("hook");
    await page.locator("input[name=channel-url]").fill(webhook.url);
    await page.getByRole("button", { name: "Add channel" }).click();
    await page.getByText("Signing secret (shown once)").waitFor();
    await page.getByRole("button", { name: "Send test" }).click();
    await page.getByText("Test notification delivered to hook.").waitFor();
    expect(webhook.received.some((r) => (r.json as { type: string }).type === "test")).toBe(true);

    await page.locator("input[name=page-slug]").fill("acme");
    await page.locator("input[name=page-title]").fill("ACME status");
    await page.locator("input[name=page-monitors]").fill("web");
    await page.getByRole("button", { name: "Create page" }).click();
    await page.getByRole("link", { name: "ACME status" }).waitFor();
    await page.screenshot({ path: join(screenshotDir, "uptime-desktop.png"), fullPage: true });

    const status = await browser.newPage({ javaScriptEnabled: false });
    await status.goto(`${pier.url}/status/acme`);
    expect(await status.locator(".banner").textContent()).toBe("Major outage");
    await status.screenshot({ path: join(screenshotDir, "status-page-outage.png"), fullPage: true });
    await status.close();
  }, 60_000);
});
