import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startWebhookReceiver } from "@pier/notify/testing";
import { flakyHttpServer } from "@pier/uptime/testing";
import type { Browser, Page } from "playwright-core";
import { type PierProcess, startPier } from "../support/pier-process.ts";
import { chromiumAvailable, launchChromium, shoot, watchPage } from "./dashboard-browser.ts";

// The dashboard's Uptime page in Chromium: add a monitor, see it go down, add a channel and send
// a test, create a status page, each checked against the API or the receiver.
const enabled = chromiumAvailable();
let pier: PierProcess;
let browser: Browser;
let page: Page;
const app = flakyHttpServer();
const webhook = startWebhookReceiver();
const token = `pier_updash${crypto.randomUUID().replaceAll("-", "")}`;

function bearer(path: string) {
  return fetch(`${pier.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
}

/** At 390 px the page must not scroll sideways; a screenshot for the record. */
async function checkNarrow(url: string, name: string) {
  const narrow = await browser.newContext({
    viewport: { width: 390, height: 844 },
    storageState: await page.context().storageState(),
  });
  const phone = await narrow.newPage();
  watchPage(phone);
  await phone.goto(url);
  await phone.locator("main h1").first().waitFor();
  await phone.waitForLoadState("networkidle");
  expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await shoot(phone, name);
  await narrow.close();
}

describe.skipIf(!enabled)("uptime page in the dashboard", () => {
  beforeAll(async () => {
    pier = await startPier({
      env: { PIER_UPTIME_MIN_INTERVAL_SECONDS: "1", PIER_ADMIN_TOKEN: token },
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
    await page.locator("input[name=page-monitor-web]").check();
    // The preview words the banner as the public page will.
    await page.getByTestId("status-page-preview").getByText("Major outage").waitFor();
    await page.getByRole("button", { name: "Create page" }).click();
    await page.getByRole("link", { name: "ACME status" }).waitFor();
    await page.getByTestId("status-pages").getByRole("button", { name: "Edit" }).click();
    await page
      .getByRole("form", { name: "Edit status page acme" })
      .locator("textarea[name=page-description]")
      .fill("Shop and API");
    await page.getByRole("button", { name: "Save page" }).click();
    await page.getByRole("button", { name: "Save page" }).waitFor({ state: "detached" });
    const { statusPage } = (await (await bearer("/api/v1/status-pages/acme")).json()) as {
      statusPage: { description: string; monitorIds: string[] };
    };
    expect(statusPage.description).toBe("Shop and API");
    expect(statusPage.monitorIds).toHaveLength(1);
    await shoot(page, "flow-uptime");

    const status = await browser.newPage({ javaScriptEnabled: false });
    await status.goto(`${pier.url}/status/acme`);
    expect(await status.locator(".banner").textContent()).toBe("Major outage");
    await shoot(status, "flow-status-page-outage");
    await status.close();
  }, 60_000);

  test("a monitor's page: uptime, response-time chart, 90 days, checks, incidents; every field editable", async () => {
    app.setHealthy(true);
    await page.goto(`${pier.url}/uptime`);
    await page.getByTestId("uptime-monitors").getByRole("link", { name: "web" }).click();
    await page.getByTestId("monitor-title").waitFor();
    await page.getByRole("button", { name: "Check now" }).click();
    await page.getByTestId("monitor-status").getByText("up").waitFor();
    await page.getByTestId("monitor-latency-chart").locator("canvas").waitFor();
    // The 90 days come with the monitor's history, which may land after the chart.
    await page.getByTestId("monitor-day-bars").locator("span").nth(89).waitFor();
    expect(await page.getByTestId("monitor-day-bars").locator("span").count()).toBe(90);
    // A refresh after an action keeps the page on screen: with the monitor's reload held back,
    // its 90 days are still there (they used to give way to "loading" until the answer came).
    const monitorRead = /\/api\/v1\/monitors\/[^/?]+$/;
    await page.route(monitorRead, async (route) => {
      await Bun.sleep(600);
      await route.continue();
    });
    const reloaded = page.waitForResponse(monitorRead);
    await page.getByRole("button", { name: "Check now" }).click();
    await Bun.sleep(300);
    expect(await page.getByTestId("monitor-day-bars").locator("span").count()).toBe(90);
    await reloaded;
    await page.unroute(monitorRead);
    await page.getByTestId("monitor-checks").getByText("down").first().waitFor();
    await page.getByTestId("monitor-incidents").getByText("resolved").waitFor();
    expect(await page.getByTestId("monitor-uptime").textContent()).toContain("up, 24h");

    await page.getByRole("button", { name: "Edit monitor" }).click();
    const form = page.getByRole("form", { name: "Edit monitor" });
    // Its 1 s interval is below the form's minimum, which this server allows for the test.
    await form.locator("input[name=monitor-interval]").evaluate((el) => el.removeAttribute("min"));
    await form.locator("input[name=monitor-timeout]").fill("4000");
    await form.locator("input[name=monitor-keyword]").fill("ok");
    await form.locator("input[name=monitor-expected-status]").fill("200-299");
    await form.locator("textarea[name=monitor-headers]").fill("X-Probe: pier");
    await form.getByRole("button", { name: "Save monitor" }).click();
    await form.waitFor({ state: "detached" });
    const { monitor } = (await (await bearer("/api/v1/monitors/web")).json()) as {
      monitor: { timeoutMs: number; http: { keyword: string; expectedStatus: string; headers: object } };
    };
    expect(monitor).toMatchObject({
      timeoutMs: 4000,
      http: { keyword: "ok", expectedStatus: "200-299", headers: { "X-Probe": "***" } },
    });
    await shoot(page, "flow-uptime-monitor");
    await checkNarrow(page.url(), "flow-uptime-monitor");
  }, 60_000);
});
