import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { type PierProcess, startPier } from "../support/pier-process.ts";
import { chromiumAvailable, launchChromium, shoot, watchPage } from "./dashboard-browser.ts";

// A deployed app (static site, no Docker needed) with the tracker tag: visits through the proxy
// are attributed to the app by X-Pier-App, and the app's Analytics tab in the dashboard shows them.
const hasChromium = chromiumAvailable();
const adminToken = `pier_andash${crypto.randomUUID().replaceAll("-", "")}`;
const admin = { email: "analytics@example.com", password: "correct horse battery" };
const userAgent =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
let pier: PierProcess;
let browser: Browser;

function bearer(path: string, init: RequestInit = {}) {
  return fetch(`${pier.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${adminToken}`, ...(init.headers as Record<string, string>) },
  });
}

function siteTarball(): Uint8Array<ArrayBuffer> {
  const dir = mkdtempSync(join(tmpdir(), "pier-analytics-site-"));
  for (const page of ["index", "pricing"]) {
    writeFileSync(
      join(dir, `${page}.html`),
      `<!doctype html><title>${page}</title><script defer src="/_pier/script.js"></script><h1>${page}</h1><a id="next" href="/pricing.html">pricing</a>`,
    );
  }
  const tar = Bun.spawnSync(["tar", "-czf", "-", "-C", dir, "."]);
  if (tar.exitCode !== 0) throw new Error(`tar failed: ${tar.stderr}`);
  return new Uint8Array(tar.stdout);
}

beforeAll(async () => {
  if (!hasChromium) return;
  pier = await startPier({ env: { PIER_ADMIN_TOKEN: adminToken }, args: ["--proxy-workers", "1"] });
  browser = await launchChromium(["--host-resolver-rules=MAP * 127.0.0.1", `--user-agent=${userAgent}`]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await pier?.stop();
});

describe.skipIf(!hasChromium)("analytics of a deployed app in the dashboard", () => {
  test("visits are attributed to the app and shown on its Analytics tab", async () => {
    expect(
      (
        await bearer("/api/v1/apps", {
          method: "POST",
          body: JSON.stringify({ name: "shop" }),
          headers: { "content-type": "application/json" },
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await bearer("/api/v1/apps/shop/domains", {
          method: "POST",
          body: JSON.stringify({ host: "shop.test" }),
          headers: { "content-type": "application/json" },
        })
      ).status,
    ).toBe(201);
    const deploy = await bearer("/api/v1/apps/shop/deploy", {
      method: "POST",
      headers: { "content-type": "application/gzip" },
      body: siteTarball(),
    });
    expect(deploy.status).toBe(202);

    const visitor = await browser.newContext();
    const tab = await visitor.newPage();
    const home = `http://shop.test:${pier.httpPort}/`;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const res = await tab.goto(home).catch(() => null);
      if (res?.ok()) break;
      await Bun.sleep(250);
    }
    await tab.click("#next");
    await tab.waitForURL(/pricing/);
    await tab.goto("about:blank");
    await visitor.close();

    let overview = { visitors: 0, pageviews: 0 };
    while (Date.now() < deadline && overview.pageviews < 2) {
      await Bun.sleep(200);
      overview = (await (await bearer("/api/v1/analytics/shop/overview?period=day")).json()).overview;
    }
    expect(overview).toMatchObject({ visitors: 1, pageviews: 2 });

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    watchPage(page);
    await page.goto(pier.url);
    await page.getByRole("heading", { name: "Welcome to pier" }).waitFor();
    await page.getByLabel("Setup code").fill(pier.setupCode());
    await page.getByLabel("Email").fill(admin.email);
    await page.getByLabel("Password").fill(admin.password);
    await page.getByRole("button", { name: "Create admin account" }).click();
    await page.getByRole("heading", { name: "Apps" }).waitFor();
    await page.goto(`${pier.url}/apps/shop?tab=analytics`);
    const stats = page.getByTestId("analytics-overview");
    await stats.waitFor();
    const text = (await stats.textContent()) ?? "";
    expect(text).toContain("1visitors");
    expect(text).toContain("2pageviews");
    expect(await page.getByRole("cell", { name: "/pricing.html" }).count()).toBeGreaterThan(0);
    await page.getByTestId("analytics-chart").locator("canvas").waitFor();
    // A click on a value filters the whole page; the chip removes it again.
    await page.getByTestId("breakdown-page").getByRole("button", { name: "/pricing.html" }).click();
    await page.getByTestId("analytics-filters").getByText("/pricing.html").waitFor();
    await page.getByRole("button", { name: "Exit page" }).click();
    await page.getByTestId("breakdown-exit").getByRole("button", { name: "/pricing.html" }).waitFor();
    await page.getByRole("button", { name: "Remove the filter Page /pricing.html" }).click();
    await page.getByTestId("analytics-filters").waitFor({ state: "detached" });
    await page.getByRole("button", { name: "Browser" }).waitFor();
    await page.getByTestId("analytics-vitals").getByText("LCP").waitFor();
    await page.getByLabel(/Steps in order/).fill("/, /pricing.html");
    await page.getByRole("button", { name: "Compute funnel" }).click();
    expect(await page.getByTestId("funnel").textContent()).toContain("100.0 % of step 1");
    await page.locator("textarea[name=excluded-paths]").fill("/admin/*");
    await page.locator("input[name=respect-dnt]").check();
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByText("Saved.").waitFor();
    const { settings } = await (await bearer("/api/v1/analytics/shop/settings")).json();
    expect(settings).toEqual({ respectDnt: true, autoInject: false, excludedPaths: ["/admin/*"] });
    await shoot(page, "flow-app-analytics");
    for (const options of [
      { viewport: { width: 390, height: 844 } },
      { viewport: { width: 1280, height: 900 }, colorScheme: "dark" as const },
    ] as const) {
      const other = await browser.newContext({ ...options, storageState: await context.storageState() });
      const view = await other.newPage();
      watchPage(view);
      await view.goto(`${pier.url}/apps/shop?tab=analytics`);
      await view.getByTestId("analytics-chart").locator("canvas").waitFor();
      await view.waitForLoadState("networkidle");
      expect(await view.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        options.viewport.width,
      );
      await shoot(view, "flow-app-analytics");
      await other.close();
    }
    await context.close();
  }, 90_000);
});
