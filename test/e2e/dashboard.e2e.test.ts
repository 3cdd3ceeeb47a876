import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { type PierProcess, startPier } from "../support/pier-process.ts";
import { chromiumAvailable, launchChromium, screenshotDir, watchPage } from "./dashboard-browser.ts";

// The dashboard through the compiled binary, driven by Debian's Chromium: what a user clicks,
// checked against what the API then says.
const adminToken = `pier_dash${crypto.randomUUID().replaceAll("-", "")}`;
const admin = { email: "admin@example.com", password: "correct horse battery" };
const enabled = chromiumAvailable();
let pier: PierProcess;
let browser: Browser;
let context: BrowserContext;
let page: Page;

function bearer(path: string, init: RequestInit = {}, token = adminToken) {
  return fetch(`${pier.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) },
  });
}

async function shot(name: string, target: Page = page) {
  await target.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

/** A second context sharing the session cookie: same user, other viewport or color scheme. */
async function variant(options: { width: number; height: number; dark?: boolean }) {
  const other = await browser.newContext({
    viewport: { width: options.width, height: options.height },
    colorScheme: options.dark ? "dark" : "light",
    storageState: await context.storageState(),
  });
  return other.newPage();
}

function staticSite(title: string): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), "pier-dash-site-"));
  writeFileSync(join(dir, "index.html"), `<!doctype html><title>${title}</title><h1>${title}</h1>`);
  const tar = Bun.spawnSync(["tar", "-czf", "-", "-C", dir, "."]);
  if (tar.exitCode !== 0) throw new Error(`tar failed: ${tar.stderr}`);
  return tar.stdout;
}

async function deploySite(app: string, title: string): Promise<string> {
  const res = await bearer(`/api/v1/apps/${app}/deploy`, {
    method: "POST",
    headers: { "content-type": "application/gzip" },
    body: new Uint8Array(staticSite(title)),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { deployment: { id: string } }).deployment.id;
}

describe.skipIf(!enabled)("dashboard in Chromium against pier serve", () => {
  beforeAll(async () => {
    pier = await startPier({ env: { PIER_ADMIN_TOKEN: adminToken }, args: ["--proxy-workers", "1"] });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    watchPage(page);
  });
  afterAll(async () => {
    await browser?.close();
    await pier?.stop();
  });

  test("first run: the dashboard asks for an admin account and signs the new admin in", async () => {
    // The apps list is prefetched at boot, before the session is known. Its 401 is held back until
    // the setup screen shows: arriving late, it must not turn that screen into the login form
    // (it did, about one first load in twenty, leaving a new user no way to create the admin).
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route("**/api/v1/apps-overview", async (route) => {
      await held;
      await route.continue();
    });
    await page.goto(pier.url);
    await page.getByRole("heading", { name: "Welcome to pier" }).waitFor();
    const lateAnswer = page.waitForResponse("**/api/v1/apps-overview");
    release();
    expect((await lateAnswer).status()).toBe(401);
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 100)));
    expect(await page.getByRole("heading", { name: "Welcome to pier" }).isVisible()).toBe(true);
    await page.unroute("**/api/v1/apps-overview");
    await shot("setup-desktop");
    await page.getByLabel("Setup code").fill(pier.setupCode());
    await page.getByLabel("Email").fill(admin.email);
    await page.getByLabel("Password").fill("short");
    // The browser's own minlength check would stop the form; skip it to see the API's message.
    await page.locator("input[name=password]").evaluate((el) => el.removeAttribute("minlength"));
    await page.getByRole("button", { name: "Create admin account" }).click();
    await expect(page.getByRole("alert").textContent()).resolves.toContain("at least 10 characters");
    await page.getByLabel("Password").fill(admin.password);
    await page.getByRole("button", { name: "Create admin account" }).click();
    await page.getByRole("heading", { name: "Apps" }).waitFor();
    expect(await page.getByTestId("user-email").textContent()).toBe(admin.email);
    expect((await (await fetch(`${pier.url}/api/v1/auth/setup`)).json()).needsSetup).toBe(false);
  });

  test("a wrong password shows an error; the right one logs in", async () => {
    const fresh = await browser.newContext();
    const login = await fresh.newPage();
    await login.goto(pier.url);
    await login.getByRole("heading", { name: "Log in to pier" }).waitFor();
    await login.getByLabel("Email").fill(admin.email);
    await login.getByLabel("Password").fill("not the password");
    await login.getByRole("button", { name: "Log in" }).click();
    expect(await login.getByRole("alert").textContent()).toContain("Wrong email or password");
    await shot("login-error-desktop", login);
    await login.getByLabel("Password").fill(admin.password);
    await login.getByRole("button", { name: "Log in" }).click();
    await login.getByRole("heading", { name: "Apps" }).waitFor();
    await fresh.close();
  });

  test("create an app and see the exact deploy commands, with a deploy token filled in", async () => {
    await page.getByRole("link", { name: "New app" }).click();
    await page.getByLabel("Name").fill("shop");
    await page.getByRole("button", { name: "Create app" }).click();
    await page.waitForURL(`${pier.url}/apps/shop`);
    const instructions = page.getByTestId("deploy-instructions");
    const host = `127.0.0.1:${pier.consolePort}`;
    expect(await instructions.textContent()).toContain(
      `git remote add pier http://x:TOKEN@${host}/git/shop.git`,
    );
    expect(await instructions.textContent()).toContain("git push pier main");
    expect(await instructions.textContent()).toContain("pier deploy --app shop");
    await shot("new-app-desktop");

    await instructions.getByRole("button", { name: "Create one for shop now" }).click();
    await instructions.getByText("A deploy token was created").waitFor();
    const remote = await instructions.locator("pre").first().textContent();
    const token = /x:(\S+)@/.exec(remote ?? "")?.[1];
    expect(token).toMatch(/^pier_/);
    // The filled-in token is real and may deploy.
    const tokens = (await (await bearer("/api/v1/tokens")).json()).tokens as {
      name: string;
      scopes: string[];
    }[];
    expect(tokens.find((t) => t.name === "deploy-shop")?.scopes).toEqual(["deploy"]);
  });

  test("API errors are shown: a duplicate app name", async () => {
    await page.goto(`${pier.url}/new`);
    await page.getByLabel("Name").fill("shop");
    await page.getByRole("button", { name: "Create app" }).click();
    expect(await page.getByRole("alert").textContent()).toContain('An app named "shop" already exists');
  });

  test("create a token (shown once), use it, revoke it", async () => {
    await page.getByRole("link", { name: "Settings" }).click();
    await page.getByLabel("Name").fill("ci-read");
    await page.getByLabel("Scope").selectOption("read");
    await page.getByRole("button", { name: "Create token" }).click();
    const token = (await page.getByTestId("new-token").locator("pre").textContent())?.trim() ?? "";
    expect((await bearer("/api/v1/apps", {}, token)).status).toBe(200);
    await shot("settings-desktop");
    await page.getByTestId("new-token").getByRole("button", { name: "Done" }).click();
    expect(await page.getByTestId("new-token").count()).toBe(0);

    const row = page.locator("tr[data-token='ci-read']");
    await row.getByRole("button", { name: "Revoke" }).click();
    await row.getByRole("button", { name: "Revoke" }).click(); // the confirmation
    await row.waitFor({ state: "detached" });
    expect((await bearer("/api/v1/apps", {}, token)).status).toBe(401);
  });

  test("settings: base domain and ACME email are saved, bad input is explained", async () => {
    await page.getByLabel("Base domain").fill("bad domain!");
    await page.getByRole("button", { name: "Save settings" }).click();
    expect(await page.getByRole("alert").textContent()).toContain("host name");
    await page.getByLabel("Base domain").fill("apps.example.com");
    await page.getByLabel("ACME email").fill("ops@example.com");
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByText("Settings saved.").waitFor();
    const saved = await (await bearer("/api/v1/settings")).json();
    expect(saved.settings).toEqual({ baseDomain: "apps.example.com", acmeEmail: "ops@example.com" });
    await page.reload();
    await page.waitForFunction(
      () => document.querySelector<HTMLInputElement>("input[name=base-domain]")?.value === "apps.example.com",
    );
  });

  test("a static site deployed through the API appears live in the open apps list", async () => {
    await page.goto(pier.url);
    await page.locator("tr[data-app='shop']").waitFor();
    await deploySite("shop", "Shop v1");
    // The list polls; no reload happens here.
    await page.locator("tr[data-app='shop'] .badge", { hasText: "live" }).waitFor({ timeout: 30_000 });
    await shot("apps-desktop");
  });

  test("add an environment variable (secret stays masked)", async () => {
    await page.goto(`${pier.url}/apps/shop?tab=env`);
    await page.getByLabel("Key").fill("API_KEY");
    await page.locator("#env-value").fill("s3cr3t-value");
    await page.getByLabel("Secret").check();
    await page.getByRole("button", { name: "Add" }).click();
    const row = page.locator("tr[data-env-key='API_KEY']");
    await row.waitFor();
    expect(await row.textContent()).not.toContain("s3cr3t-value");
    const env = (await (await bearer("/api/v1/apps/shop/env")).json()).env as {
      key: string;
      secret: boolean;
    }[];
    expect(env.find((e) => e.key === "API_KEY")?.secret).toBe(true);
    await shot("app-env-desktop");
  });

  test("a second deploy streams into the page, then roll back to the first with confirmation", async () => {
    await page.goto(`${pier.url}/apps/shop`);
    const first = page.locator("tr[data-deployment]").first();
    await first.waitFor();
    const second = await deploySite("shop", "Shop v2");
    const row = page.locator(`tr[data-deployment='${second}']`);
    await row.locator(".badge", { hasText: "live" }).waitFor({ timeout: 30_000 });
    // The newest deployment's build log is on the page without a click.
    const log = page.getByTestId("deployment-log");
    await log.locator("h2", { hasText: second }).waitFor();
    expect(((await log.locator("pre").textContent()) ?? "").length).toBeGreaterThan(20);
    await shot("app-deployments-desktop");

    const older = page.locator("tr[data-deployment]").filter({ hasText: "superseded" }).first();
    const olderId = await older.getAttribute("data-deployment");
    await older.getByRole("button", { name: "Roll back to this" }).click();
    await older.getByRole("button", { name: "Roll back", exact: true }).click();
    await page.getByText("Rollback started").waitFor();
    const deadline = Date.now() + 30_000;
    let live: { basedOn: string | null; status: string } | undefined;
    while (Date.now() < deadline) {
      const { deployments } = await (await bearer("/api/v1/apps/shop/deployments")).json();
      live = deployments.find((d: { status: string }) => d.status === "live");
      if (live && live.basedOn === olderId) break;
      await Bun.sleep(250);
    }
    expect(live?.basedOn).toBe(olderId);
    await page
      .locator("tr[data-deployment] .badge", { hasText: "rolled_back" })
      .first()
      .waitFor({ timeout: 10_000 });
  });

  test("screenshots at 375 px and in dark mode", async () => {
    const phone = await variant({ width: 375, height: 812 });
    await phone.goto(pier.url);
    await phone.locator("tr[data-app='shop']").waitFor();
    await shot("apps-375", phone);
    await phone.goto(`${pier.url}/apps/shop`);
    await phone.getByRole("heading", { name: "shop" }).waitFor();
    await shot("app-375", phone);
    // Nothing may overflow the phone's width.
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await phone.goto(`${pier.url}/settings`);
    await phone.getByRole("heading", { name: "API tokens" }).waitFor();
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await shot("settings-375", phone);

    const dark = await variant({ width: 1280, height: 800, dark: true });
    await dark.goto(`${pier.url}/apps/shop`);
    await dark.getByRole("heading", { name: "shop" }).waitFor();
    const background = await dark.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).toBe("rgb(15, 17, 21)");
    await shot("app-dark-desktop", dark);
    const darkPhone = await variant({ width: 375, height: 812, dark: true });
    await darkPhone.goto(pier.url);
    await darkPhone.getByRole("heading", { name: "Apps" }).waitFor();
    await shot("apps-dark-375", darkPhone);
  });

  test("every app tab renders without a script error; failures of its API are shown, not swallowed", async () => {
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    // Some traffic through the proxy so the metrics tab has points once the minute is flushed.
    for (let i = 0; i < 20; i++) {
      await fetch(`http://127.0.0.1:${pier.httpPort}/`, { headers: { host: "shop.localhost" } }).catch(
        () => {},
      );
    }
    for (const tab of ["domains", "previews", "logs", "metrics"]) {
      await page.goto(`${pier.url}/apps/shop?tab=${tab}`);
      await page.locator("nav.tabs a.active", { hasText: /./ }).waitFor();
      await page.locator(".panel").first().waitFor();
      await Bun.sleep(300);
      await shot(`app-${tab}-desktop`);
    }
    await page.goto(`${pier.url}/apps/shop?tab=domains`);
    await page.getByLabel("Host").fill("shop.example.com");
    await page.getByRole("button", { name: "Add domain" }).click();
    await page.locator("tr[data-host='shop.example.com']").waitFor();
    expect(await page.locator("tr[data-host='shop.example.com']").textContent()).toContain("self-signed");
    await page.goto(`${pier.url}/apps/ghost`);
    expect(await page.getByRole("alert").first().textContent()).toContain("ghost");
    expect(errors).toEqual([]);
  });

  test("logging out returns to the login page and the session is gone", async () => {
    await page.goto(pier.url);
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByRole("heading", { name: "Log in to pier" }).waitFor();
    const status = await page.evaluate(async () => (await fetch("/api/v1/auth/me")).status);
    expect(status).toBe(401);
  });
});
