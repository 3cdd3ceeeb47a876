import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { launchChromium as launchBrowser } from "../support/chromium.ts";
import { repoRoot } from "../support/pier-process.ts";

export { chromiumAvailable, chromiumPath, retryOnNetworkChange, watchPage } from "../support/chromium.ts";

/**
 * Where the browser suites leave their screenshots for a reviewer to look at (git-ignored): every
 * page in light and dark mode and at phone width, named by `shoot`.
 */
export const screenshotDir = join(repoRoot, "test", "e2e", "screenshots");

/** Chromium for a browser suite; `extraArgs` as in support/chromium.ts (--host-resolver-rules…). */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  mkdirSync(screenshotDir, { recursive: true });
  return launchBrowser(extraArgs);
}

/** The looks every page is checked and photographed in. */
export const variants = [
  { name: "desktop-light", width: 1280, height: 800, dark: false },
  { name: "desktop-dark", width: 1280, height: 800, dark: true },
  { name: "phone-light", width: 390, height: 844, dark: false },
] as const;
export type Variant = (typeof variants)[number];

/** A context for one variant, signed in as `from` is (its cookies). */
export async function variantContext(browser: Browser, from: BrowserContext, variant: Variant) {
  return browser.newContext({
    viewport: { width: variant.width, height: variant.height },
    colorScheme: variant.dark ? "dark" : "light",
    storageState: await from.storageState(),
  });
}

/**
 * A full-page screenshot as `test/e2e/screenshots/NAME-WIDTH-SCHEME.png`: the width and colour
 * scheme are read from the page, so one call per page and variant names itself.
 */
export async function shoot(page: Page, name: string): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  const width = page.viewportSize()?.width ?? 0;
  const dark = await page.evaluate(() => matchMedia("(prefers-color-scheme: dark)").matches);
  const path = join(screenshotDir, `${name}-${width}-${dark ? "dark" : "light"}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Waits until the page's data arrived: no loading placeholder left (or `timeoutMs` passed). */
export async function settled(page: Page, timeoutMs = 5_000): Promise<void> {
  await page
    .waitForFunction(() => !document.querySelector(".skeleton") && !!document.querySelector("main"), null, {
      timeout: timeoutMs,
    })
    .catch(() => {});
}

/** How far the document is wider than the viewport (0: nothing scrolls sideways). */
export function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}
