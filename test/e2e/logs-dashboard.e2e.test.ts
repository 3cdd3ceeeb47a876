import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { type PierProcess, startPier } from "../support/pier-process.ts";
import { chromiumAvailable, launchChromium, shoot, watchPage } from "./dashboard-browser.ts";

// An app's Logs tab in Chromium: stored lines (sent as OTLP records, the same store as the
// containers' output) shown, searched by text and level, and new lines followed live.
const enabled = chromiumAvailable();
let pier: PierProcess;
let browser: Browser;
let page: Page;
let key: string;
const token = `pier_logsdash${crypto.randomUUID().replaceAll("-", "")}`;

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${pier.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path} -> ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

/** Lines into the store through OTLP/JSON, as an app's exporter would send them. */
async function send(lines: { text: string; severity: number; release?: string }[]) {
  const res = await fetch(`${pier.url}/v1/logs`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-pier-key": key },
    body: JSON.stringify({
      resourceLogs: lines.map((l) => ({
        resource: {
          attributes: [
            { key: "service.name", value: { stringValue: "shop" } },
            { key: "service.version", value: { stringValue: l.release ?? "rel-1" } },
          ],
        },
        scopeLogs: [
          {
            logRecords: [
              {
                timeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
                severityNumber: l.severity,
                body: { stringValue: l.text },
              },
            ],
          },
        ],
      })),
    }),
  });
  expect(res.status).toBe(200);
}

describe.skipIf(!enabled)("app logs in the dashboard", () => {
  beforeAll(async () => {
    pier = await startPier({ env: { PIER_ADMIN_TOKEN: token }, args: ["--proxy-workers", "0"] });
    await call("POST", "/api/v1/apps", { name: "shop" });
    key = (await call<{ project: { publicKey: string } }>("PUT", "/api/v1/errors/apps/shop/project")).project
      .publicKey;
    await send([
      { text: "server listening on :3000", severity: 9 },
      { text: "GET /cart 200 12ms", severity: 9 },
      { text: "slow query: SELECT * FROM orders", severity: 13 },
      { text: "payment failed: card declined", severity: 17, release: "rel-2" },
    ]);
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
  });

  test("stored lines, searched by text and level, then new ones followed live", async () => {
    await page.goto(`${pier.url}/apps/shop?tab=logs`);
    const logs = page.getByTestId("app-logs");
    await logs.getByText("payment failed: card declined").waitFor();
    await logs.getByText("server listening on :3000").waitFor();
    await page.getByTestId("logs-state").getByText("live").waitFor();
    expect(await logs.locator("[data-level=error]").count()).toBe(1);

    await page.getByLabel("Search text").fill("SELECT");
    await page.getByRole("button", { name: "Search logs" }).click();
    await logs.getByText("slow query: SELECT * FROM orders").waitFor();
    await logs.getByText("server listening on :3000").waitFor({ state: "detached" });
    expect(await logs.locator("div").count()).toBe(1);

    await page.getByLabel("Search text").fill("");
    await page.getByLabel("Level").selectOption("warn");
    await page.getByRole("button", { name: "Search logs" }).click();
    // The text search showed only the slow query: wait for the level search's answer.
    await logs.getByText("payment failed: card declined").waitFor();
    expect(await logs.locator("div").allTextContents()).toEqual([
      expect.stringContaining("WARN slow query"),
      expect.stringContaining("ERROR payment failed"),
    ]);

    // Live: a new error shows without a reload, an info line does not pass the level filter.
    await page.getByTestId("logs-state").getByText("live").waitFor();
    await send([
      { text: "checkout crashed: out of stock", severity: 17 },
      { text: "healthy", severity: 9 },
    ]);
    await logs.getByText("checkout crashed: out of stock").waitFor({ timeout: 10_000 });
    expect(await logs.getByText("healthy").count()).toBe(0);
    await shoot(page, "logs-dashboard");

    // Paused: lines that arrive meanwhile wait for the next search.
    await page.getByRole("button", { name: "Pause" }).click();
    await page.getByTestId("logs-state").getByText("paused").waitFor();
    await send([{ text: "while paused: disk almost full", severity: 13 }]);
    await Bun.sleep(1500);
    expect(await logs.getByText("while paused: disk almost full").count()).toBe(0);
    await page.getByRole("button", { name: "Search logs" }).click();
    await logs.getByText("while paused: disk almost full").waitFor();
  }, 60_000);

  test("at 390 px the log view does not scroll the page sideways", async () => {
    const narrow = await browser.newContext({
      viewport: { width: 390, height: 844 },
      storageState: await page.context().storageState(),
    });
    const phone = await narrow.newPage();
    watchPage(phone);
    await phone.goto(`${pier.url}/apps/shop?tab=logs`);
    await phone.getByTestId("app-logs").getByText("payment failed: card declined").waitFor();
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shoot(phone, "logs-dashboard-narrow");
    await narrow.close();
  }, 30_000);
});
