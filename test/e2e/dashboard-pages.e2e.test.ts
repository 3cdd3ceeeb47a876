import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { navSections, type Route } from "../../apps/dashboard/web/routes.ts";
import { type PierProcess, startPier } from "../support/pier-process.ts";
import {
  chromiumAvailable,
  horizontalOverflow,
  launchChromium,
  settled,
  shoot,
  variantContext,
  variants,
  watchPage,
} from "./dashboard-browser.ts";

// Every page of the dashboard in every variant (light, dark, 390 px): rendered without a script
// error, the navigation marks where the user is, nothing scrolls sideways on a phone, and a
// screenshot of each lands in test/e2e/screenshots/ for a reviewer. A section added to the
// navigation (routes.ts, navSections) is visited at its own address without a change here; pages
// with parameters (an id, a name) get their addresses in `examples`.
const adminToken = `pier_pages${crypto.randomUUID().replaceAll("-", "")}`;
const enabled = chromiumAvailable();
let pier: PierProcess;
let browser: Browser;
let signedIn: BrowserContext;
let monitorId = "mon_missing";

/** Paths of each page, with the data the suite makes; ids it does not make show their "not found" state. */
function examples(): Partial<Record<Route["page"], string[]>> {
  const listed: Partial<Record<Route["page"], string[]>> = {
    apps: ["/"],
    "new-app": ["/new"],
    app: [
      "/apps/shop",
      ...["env", "domains", "previews", "cron", "logs", "metrics", "traces", "analytics", "settings"].map(
        (tab) => `/apps/shop?tab=${tab}`,
      ),
      "/apps/ghost",
    ],
    settings: ["general", "users", "tokens", "certificates", "notifications", "routes", "backups"].map(
      (tab) => (tab === "general" ? "/settings" : `/settings?tab=${tab}`),
    ),
    ai: ["/ai"],
    uptime: ["/uptime"],
    "uptime-monitor": [`/uptime/monitors/${monitorId}`],
    services: ["/services"],
    service: ["/services/ghost-db"],
    errors: ["/errors"],
    "error-issue": ["/errors/issues/iss_missing"],
    "error-replay": [`/errors/projects/1/replays/${"0".repeat(32)}`],
    trace: [`/traces/${"0".repeat(32)}`],
    login: [],
    setup: [],
  };
  for (const section of navSections) {
    if (!section.pages.some((page) => listed[page])) listed[section.pages[0]!] = [section.href];
  }
  return listed;
}

/** The pages whose layout this suite holds to "no sideways scrolling at 390 px". */
const phoneChecked = /^\/($|new|apps\/|settings)/;

function api(path: string, init: RequestInit = {}) {
  return fetch(`${pier.url}${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${adminToken}`,
      "content-type": "application/json",
      ...(init.headers as Record<string, string>),
    },
  });
}

function site(title: string): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), "pier-pages-site-"));
  writeFileSync(join(dir, "index.html"), `<!doctype html><title>${title}</title><h1>${title}</h1>`);
  return Bun.spawnSync(["tar", "-czf", "-", "-C", dir, "."]).stdout;
}

async function deploy(app: string, title: string, branch?: string) {
  const res = await api(`/api/v1/apps/${app}/deploy${branch ? `?branch=${branch}` : ""}`, {
    method: "POST",
    headers: { "content-type": "application/gzip" },
    body: new Uint8Array(site(title)),
  });
  expect(res.status).toBe(202);
  const { deployment } = (await res.json()) as { deployment: { id: string } };
  for (let i = 0; i < 100; i++) {
    const { deployment: d } = await (await api(`/api/v1/deployments/${deployment.id}`)).json();
    if (d.status !== "queued" && d.status !== "building" && d.status !== "starting") return d;
    await Bun.sleep(100);
  }
  throw new Error(`${deployment.id} did not finish`);
}

describe.skipIf(!enabled)("every dashboard page, light, dark and at 390 px", () => {
  beforeAll(async () => {
    pier = await startPier({ env: { PIER_ADMIN_TOKEN: adminToken }, args: ["--proxy-workers", "1"] });
    browser = await launchChromium();
    const setup = await api("/api/v1/auth/setup", {
      method: "POST",
      body: JSON.stringify({ email: "admin@example.com", password: "correct horse battery" }),
    });
    expect(setup.status).toBe(201);
    const cookie = setup.headers.get("set-cookie")!.split(";")[0]!;
    signedIn = await browser.newContext({
      storageState: {
        cookies: [
          {
            name: cookie.slice(0, cookie.indexOf("=")),
            value: cookie.slice(cookie.indexOf("=") + 1),
            domain: "127.0.0.1",
            path: "/",
            expires: -1,
            httpOnly: true,
            secure: false,
            sameSite: "Lax",
          },
        ],
        origins: [],
      },
    });
    for (const name of ["shop", "blog", "empty"]) {
      await api("/api/v1/apps", { method: "POST", body: JSON.stringify({ name }) });
    }
    await deploy("shop", "Shop v1");
    await api("/api/v1/apps/shop/env", {
      method: "PUT",
      body: JSON.stringify({ key: "API_KEY", value: "x" }),
    });
    await deploy("shop", "Shop v2");
    await deploy("shop", "Shop preview", "feature-x");
    await deploy("blog", "Blog");
    await api("/api/v1/apps/shop/domains", {
      method: "POST",
      body: JSON.stringify({ host: "shop.example.com" }),
    });
    await api("/api/v1/tokens", {
      method: "POST",
      body: JSON.stringify({ name: "ci", scopes: ["deploy"], apps: ["shop"] }),
    });
    await api("/api/v1/users", { method: "POST", body: JSON.stringify({ email: "dev@example.com" }) });
    await api("/api/v1/routes", {
      method: "POST",
      body: JSON.stringify({ host: "nas.example.com", upstreams: ["http://127.0.0.1:9"] }),
    });
    await api("/api/v1/notification-channels", {
      method: "POST",
      body: JSON.stringify({
        name: "ops",
        events: ["deploy.failed"],
        config: { kind: "webhook", url: "https://hooks.example.com/pier" },
      }),
    });
    const monitor = await api("/api/v1/monitors", {
      method: "POST",
      body: JSON.stringify({
        name: "home",
        kind: "http",
        target: `${pier.url}/healthz`,
        intervalSeconds: 60,
      }),
    });
    if (monitor.ok) monitorId = ((await monitor.json()) as { monitor: { id: string } }).monitor.id;
    for (let i = 0; i < 10; i++) {
      await fetch(`http://127.0.0.1:${pier.httpPort}/`, { headers: { host: "shop.localhost" } }).catch(
        () => {},
      );
    }
  });
  afterAll(async () => {
    await browser?.close();
    await pier?.stop();
  });

  for (const variant of variants) {
    test(`${variant.name}: each page renders, marks its section, and is photographed`, async () => {
      const context = await variantContext(browser, signedIn, variant);
      const page: Page = watchPage(await context.newPage());
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(`${page.url()}: ${error.message}`));
      const overflowing: string[] = [];
      for (const [kind, paths] of Object.entries(examples())) {
        for (const path of paths ?? []) {
          await page.goto(`${pier.url}${path}`);
          await page.locator("main").waitFor();
          await settled(page);
          const section = navSections.find((s) => s.pages.includes(kind as Route["page"]));
          if (section && variant.width > 760 && !path.includes("ghost") && !path.includes("missing")) {
            const current = page.locator("nav.main a[aria-current=page]");
            expect(await current.textContent()).toBe(section.label);
          }
          const name =
            path === "/"
              ? "home"
              : path
                  .slice(1)
                  .replace(monitorId, "monitor")
                  .replace(/[^a-z0-9]+/gi, "-");
          await shoot(page, name);
          const overflow = await horizontalOverflow(page);
          if (overflow > 0) overflowing.push(`${path} (${overflow} px)`);
        }
      }
      const mine = overflowing.filter((p) => phoneChecked.test(p));
      if (overflowing.length > mine.length)
        console.warn(`[pages] wider than the screen: ${overflowing.join(", ")}`);
      expect(mine).toEqual([]);
      expect(errors).toEqual([]);
      await context.close();
    }, 180_000);
  }
});
